import os from 'node:os';
import { z } from 'zod';

const port = z.number().int().min(1).max(65535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** A CIDR range such as `127.0.0.0/8` or `::1/128`. */
const cidr = z.string().regex(/^([0-9.]+\/\d{1,2}|[0-9a-fA-F:.]+\/\d{1,3})$/, 'expected a CIDR range such as 127.0.0.0/8 or ::1/128');

/**
 * The one configuration schema. Every key has a default, so an empty config
 * file and an empty environment give a working instance on localhost with
 * SQLite under ./data.
 */
export const configSchema = z
  .object({
    http: z
      .object({
        host: z.string().min(1).default('localhost'),
        port: port.default(8080),
        /** Public origin every ActivityPub id is built from; defaults to http://localhost:<port>. */
        publicUrl: z.url({ protocol: /^https?$/ }).optional(),
        /** Trust X-Forwarded-* from this many reverse proxies in front (0: none). */
        trustProxy: z.number().int().min(0).max(10).default(0),
        /** Serve HTTPS directly (PEM files); normally a reverse proxy terminates TLS. */
        tlsCertFile: z.string().min(1).optional(),
        tlsKeyFile: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        dataDir: z.string().min(1).default('./data'),
        /** When set, MongoDB replaces the embedded SQLite store. */
        mongodbUrl: z
          .string()
          .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'expected a mongodb:// or mongodb+srv:// URL')
          .optional(),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: logLevel.default('info'),
        /** Client IP addresses appear in logs only when an operator turns this on. */
        ipAddresses: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    media: z
      .object({
        /** mediasoup workers; one per CPU core by default. */
        workers: z.number().int().min(1).max(64).default(() => Math.max(1, os.availableParallelism())),
        /** Worker binary; normally set by `npm start` to the cached build. */
        workerBin: z.string().min(1).optional(),
        logLevel: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
        listenIp: z.union([z.ipv4(), z.ipv6()]).default('127.0.0.1'),
        announcedIp: z.string().min(1).optional(),
        rtcMinPort: port.default(40000),
        rtcMaxPort: port.default(49999),
        /** WebRTC transports of the whole instance; past this only participants on stage get more. */
        maxTransports: z.number().int().min(1).max(1_000_000).default(4000),
        /** The last this many of maxTransports are kept for participants on stage (host, moderators, speakers). */
        stageReserve: z.number().int().min(0).max(1_000_000).default(200),
        /** WebRTC transports open at once from one client address (an IPv6 /64 counts as one). */
        transportsPerAddress: z.number().int().min(1).max(100_000).default(40),
        /**
         * A room grows a router on another worker once each of its routers carries this many
         * consumers (a listener of three speakers: three); 0 keeps every room on one worker (ADR 0040).
         */
        spreadConsumersPerRouter: z.number().int().min(0).max(1_000_000).default(500),
      })
      .strict()
      .prefault({}),
    federation: z
      .object({
        /** CIDR ranges remote fetches may reach despite being private; empty by default. */
        allowPrivate: z.array(cidr).default([]),
        /** Inbound activities accepted per remote host per minute (more get 429). */
        inboundPerHostPerMinute: z.number().int().min(1).max(1_000_000).default(600),
        /** Signing keys (actor documents) fetched for unverified inbox requests, per keyId host per minute. */
        keyFetchesPerHostPerMinute: z.number().int().min(1).max(100_000).default(30),
        /**
         * Inbox POSTs are held (up to 1 s each) while the deliveries this
         * process queued have waited longer than this to start and the event
         * loop is busy: under sustained inbound load, outbound work such as
         * Accepts still goes out within about this long (ADR 0049). Bursts
         * shorter than this are not slowed.
         */
        deliveryStarvationSeconds: z.number().int().min(1).max(3600).default(10),
        /** Accept cascade links from other instances to rooms here (refused: 403 `links_refused`). */
        linksIncoming: z.boolean().default(true),
        /** Open cascade links to rooms of other instances for participants here. */
        linksOutgoing: z.boolean().default(true),
        /** Most cascade links (linked instances) one room may have (more: 503 `link_cap_reached`). */
        linksPerRoom: z.number().int().min(1).max(10_000).default(20),
        /** Link requests accepted per linking host per minute (more: 429). */
        linkRequestsPerHostPerMinute: z.number().int().min(1).max(100_000).default(30),
        /** How long a link nobody here uses any more stays open. */
        linkGraceSeconds: z.number().int().min(0).max(3600).default(10),
        /**
         * How long a delivery being posted stays claimed: after a crash, its
         * job is posted again once this runs out. Above the 10 s remote
         * request timeout, so a live post never loses its claim.
         */
        deliveryLeaseSeconds: z.number().int().min(15).max(3600).default(120),
      })
      .strict()
      .prefault({}),
    accounts: z
      .object({
        registration: z.enum(['open', 'invite', 'closed']).default('open'),
        maxPersonas: z.number().int().min(1).max(100).default(5),
        /** Sign-up attempts (whatever their outcome) one client address may make per hour. */
        signupPerClientPerHour: z.number().int().min(1).max(1_000_000).default(10),
        /** Sign-up attempts the whole instance accepts per hour, from all clients together. */
        signupPerHour: z.number().int().min(1).max(10_000_000).default(300),
        /**
         * The remote Deletes of deleted personas go out after a random delay
         * within this many seconds, a different one per persona, so that the
         * personas of one account are not linked by deletion times.
         */
        deletionSpreadSeconds: z.number().int().min(0).max(86400).default(600),
        /** Usernames that are administrators (made so when they register, and at every boot). */
        admins: z.array(z.string().regex(/^[a-z0-9_.-]{3,32}$/, 'expected lowercase usernames of 3 to 32 of a-z 0-9 _ . -')).default([]),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        /** Follows one client address may send per hour (all its accounts together). */
        followsPerClientPerHour: z.number().int().min(1).max(1_000_000).default(200),
        /** Follows one account may send per hour (all its personas together). */
        followsPerAccountPerHour: z.number().int().min(1).max(1_000_000).default(100),
        reportsPerClientPerHour: z.number().int().min(1).max(1_000_000).default(30),
        reportsPerAccountPerHour: z.number().int().min(1).max(1_000_000).default(20),
        roomsPerClientPerHour: z.number().int().min(1).max(1_000_000).default(30),
        roomsPerAccountPerHour: z.number().int().min(1).max(1_000_000).default(20),
      })
      .strict()
      .prefault({}),
    instance: z
      .object({
        /** The default name the landing page and page titles show (administrators may change it); defaults to the public URL's host. */
        name: z.string().trim().min(1).max(100).optional(),
        /** The default short description shown on the landing page (administrators may change it). */
        description: z.string().max(2000).default(''),
        /** The default rules, one string each (config file only), shown on the landing page (administrators may change them). */
        rules: z.array(z.string().trim().min(1).max(500)).max(50).default([]),
      })
      .strict()
      .prefault({}),
    rooms: z
      .object({
        /** A live room with nobody in it ends after this many seconds. */
        idleTimeoutSeconds: z.number().int().min(5).max(86400).default(300),
        /** Signaling connections open at once from one client address (an IPv6 /64 counts as one). */
        connectionsPerAddress: z.number().int().min(1).max(100_000).default(20),
        /** Signaling connections open at once for one account (all its personas and tabs). */
        connectionsPerAccount: z.number().int().min(1).max(10_000).default(10),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if ((cfg.http.tlsCertFile === undefined) !== (cfg.http.tlsKeyFile === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['http', cfg.http.tlsCertFile ? 'tlsKeyFile' : 'tlsCertFile'], message: 'TLS needs both a certificate and a key file' });
    }
    if (cfg.media.stageReserve >= cfg.media.maxTransports) {
      ctx.addIssue({ code: 'custom', path: ['media', 'stageReserve'], message: 'must be below media.maxTransports' });
    }
    if (cfg.media.rtcMinPort > cfg.media.rtcMaxPort) {
      ctx.addIssue({ code: 'custom', path: ['media', 'rtcMinPort'], message: 'must not be above media.rtcMaxPort' });
    }
  });

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;

/** The validated, typed configuration handed to every module at boot. */
export type Config = Omit<Parsed, 'http'> & {
  http: Omit<Parsed['http'], 'publicUrl'> & { publicUrl: string };
  /** Absolute path of the config file that was read, if any. */
  configFile?: string;
};

/** Kind of value each environment variable carries, and the form it must take. */
export type EnvKind = 'int' | 'string' | 'bool' | 'list';

export interface EnvBinding {
  name: string;
  path: [string, string];
  kind: EnvKind;
  expected: string;
}

/**
 * Environment variables and where each lands in the schema. Unknown
 * `HEARTH_*` variables are an error (a typo must not be silently ignored).
 */
export const ENV_BINDINGS: readonly EnvBinding[] = [
  { name: 'HEARTH_HOST', path: ['http', 'host'], kind: 'string', expected: 'a host name or IP address to listen on' },
  { name: 'HEARTH_PORT', path: ['http', 'port'], kind: 'int', expected: 'an integer from 1 to 65535' },
  { name: 'HEARTH_PUBLIC_URL', path: ['http', 'publicUrl'], kind: 'string', expected: 'an http(s) origin such as https://rooms.example' },
  { name: 'HEARTH_TRUST_PROXY', path: ['http', 'trustProxy'], kind: 'int', expected: 'the number of reverse proxies in front, 0 to 10' },
  { name: 'HEARTH_TLS_CERT', path: ['http', 'tlsCertFile'], kind: 'string', expected: 'the path of a PEM certificate chain' },
  { name: 'HEARTH_TLS_KEY', path: ['http', 'tlsKeyFile'], kind: 'string', expected: 'the path of a PEM private key' },
  { name: 'HEARTH_DATA_DIR', path: ['storage', 'dataDir'], kind: 'string', expected: 'a writable directory path' },
  { name: 'MONGODB_URL', path: ['storage', 'mongodbUrl'], kind: 'string', expected: 'a mongodb:// URL' },
  { name: 'HEARTH_LOG_LEVEL', path: ['log', 'level'], kind: 'string', expected: 'one of fatal, error, warn, info, debug, trace, silent' },
  { name: 'HEARTH_LOG_IP_ADDRESSES', path: ['log', 'ipAddresses'], kind: 'bool', expected: 'true or false' },
  { name: 'HEARTH_MEDIA_WORKERS', path: ['media', 'workers'], kind: 'int', expected: 'an integer from 1 to 64' },
  { name: 'MEDIASOUP_WORKER_BIN', path: ['media', 'workerBin'], kind: 'string', expected: 'the path of a mediasoup-worker binary' },
  { name: 'HEARTH_MEDIA_LOG_LEVEL', path: ['media', 'logLevel'], kind: 'string', expected: 'one of debug, warn, error, none' },
  { name: 'HEARTH_MEDIA_LISTEN_IP', path: ['media', 'listenIp'], kind: 'string', expected: 'an IPv4 or IPv6 address' },
  { name: 'HEARTH_MEDIA_ANNOUNCED_IP', path: ['media', 'announcedIp'], kind: 'string', expected: 'the public IP address or host clients reach' },
  { name: 'HEARTH_MEDIA_RTC_MIN_PORT', path: ['media', 'rtcMinPort'], kind: 'int', expected: 'an integer from 1 to 65535' },
  { name: 'HEARTH_MEDIA_RTC_MAX_PORT', path: ['media', 'rtcMaxPort'], kind: 'int', expected: 'an integer from 1 to 65535' },
  { name: 'HEARTH_MEDIA_MAX_TRANSPORTS', path: ['media', 'maxTransports'], kind: 'int', expected: 'an integer from 1 to 1000000' },
  { name: 'HEARTH_MEDIA_STAGE_RESERVE', path: ['media', 'stageReserve'], kind: 'int', expected: 'an integer from 0 to 1000000, below HEARTH_MEDIA_MAX_TRANSPORTS' },
  { name: 'HEARTH_MEDIA_SPREAD_CONSUMERS', path: ['media', 'spreadConsumersPerRouter'], kind: 'int', expected: 'an integer from 0 to 1000000 (0: never spread a room)' },
  { name: 'HEARTH_MEDIA_TRANSPORTS_PER_ADDRESS', path: ['media', 'transportsPerAddress'], kind: 'int', expected: 'an integer from 1 to 100000' },
  { name: 'HEARTH_FEDERATION_ALLOW_PRIVATE', path: ['federation', 'allowPrivate'], kind: 'list', expected: 'comma-separated CIDR ranges such as 127.0.0.0/8,::1/128' },
  { name: 'HEARTH_FEDERATION_INBOUND_RATE', path: ['federation', 'inboundPerHostPerMinute'], kind: 'int', expected: 'an integer from 1 to 1000000 (activities per remote host per minute)' },
  { name: 'HEARTH_FEDERATION_KEY_FETCH_RATE', path: ['federation', 'keyFetchesPerHostPerMinute'], kind: 'int', expected: 'an integer from 1 to 100000 (signing-key fetches per remote host per minute)' },
  { name: 'HEARTH_DELIVERY_STARVATION_SECONDS', path: ['federation', 'deliveryStarvationSeconds'], kind: 'int', expected: 'an integer from 1 to 3600 (seconds)' },
  { name: 'HEARTH_LINKS_INCOMING', path: ['federation', 'linksIncoming'], kind: 'bool', expected: 'true or false' },
  { name: 'HEARTH_LINKS_OUTGOING', path: ['federation', 'linksOutgoing'], kind: 'bool', expected: 'true or false' },
  { name: 'HEARTH_LINKS_PER_ROOM', path: ['federation', 'linksPerRoom'], kind: 'int', expected: 'an integer from 1 to 10000 (linked instances per room)' },
  { name: 'HEARTH_LINK_REQUEST_RATE', path: ['federation', 'linkRequestsPerHostPerMinute'], kind: 'int', expected: 'an integer from 1 to 100000 (link requests per remote host per minute)' },
  { name: 'HEARTH_LINK_GRACE_SECONDS', path: ['federation', 'linkGraceSeconds'], kind: 'int', expected: 'an integer from 0 to 3600 (seconds)' },
  { name: 'HEARTH_DELIVERY_LEASE_SECONDS', path: ['federation', 'deliveryLeaseSeconds'], kind: 'int', expected: 'an integer from 15 to 3600 (seconds)' },
  { name: 'HEARTH_REGISTRATION', path: ['accounts', 'registration'], kind: 'string', expected: 'one of open, invite, closed' },
  { name: 'HEARTH_MAX_PERSONAS', path: ['accounts', 'maxPersonas'], kind: 'int', expected: 'an integer from 1 to 100' },
  { name: 'HEARTH_SIGNUP_PER_CLIENT', path: ['accounts', 'signupPerClientPerHour'], kind: 'int', expected: 'an integer from 1 to 1000000 (sign-up attempts per client address per hour)' },
  { name: 'HEARTH_SIGNUP_RATE', path: ['accounts', 'signupPerHour'], kind: 'int', expected: 'an integer from 1 to 10000000 (sign-up attempts per hour, all clients together)' },
  { name: 'HEARTH_ADMINS', path: ['accounts', 'admins'], kind: 'list', expected: 'comma-separated usernames that are administrators' },
  { name: 'HEARTH_FOLLOW_PER_CLIENT', path: ['limits', 'followsPerClientPerHour'], kind: 'int', expected: 'an integer from 1 to 1000000 (follows per client address per hour)' },
  { name: 'HEARTH_FOLLOW_PER_ACCOUNT', path: ['limits', 'followsPerAccountPerHour'], kind: 'int', expected: 'an integer from 1 to 1000000 (follows per account per hour)' },
  { name: 'HEARTH_REPORT_PER_CLIENT', path: ['limits', 'reportsPerClientPerHour'], kind: 'int', expected: 'an integer from 1 to 1000000 (reports per client address per hour)' },
  { name: 'HEARTH_REPORT_PER_ACCOUNT', path: ['limits', 'reportsPerAccountPerHour'], kind: 'int', expected: 'an integer from 1 to 1000000 (reports per account per hour)' },
  { name: 'HEARTH_ROOM_PER_CLIENT', path: ['limits', 'roomsPerClientPerHour'], kind: 'int', expected: 'an integer from 1 to 1000000 (rooms created per client address per hour)' },
  { name: 'HEARTH_ROOM_PER_ACCOUNT', path: ['limits', 'roomsPerAccountPerHour'], kind: 'int', expected: 'an integer from 1 to 1000000 (rooms created per account per hour)' },
  { name: 'HEARTH_DELETION_SPREAD_SECONDS', path: ['accounts', 'deletionSpreadSeconds'], kind: 'int', expected: 'an integer from 0 to 86400 (seconds)' },
  { name: 'HEARTH_INSTANCE_NAME', path: ['instance', 'name'], kind: 'string', expected: 'a name of 1 to 100 characters' },
  { name: 'HEARTH_INSTANCE_DESCRIPTION', path: ['instance', 'description'], kind: 'string', expected: 'a description of at most 2000 characters' },
  { name: 'HEARTH_ROOM_IDLE_SECONDS', path: ['rooms', 'idleTimeoutSeconds'], kind: 'int', expected: 'an integer from 5 to 86400' },
  { name: 'HEARTH_CONNECTIONS_PER_ADDRESS', path: ['rooms', 'connectionsPerAddress'], kind: 'int', expected: 'an integer from 1 to 100000' },
  { name: 'HEARTH_CONNECTIONS_PER_ACCOUNT', path: ['rooms', 'connectionsPerAccount'], kind: 'int', expected: 'an integer from 1 to 10000' },
];

/** Environment variables that are read but are not configuration values. */
export const ENV_CONTROL = ['HEARTH_CONFIG'] as const;
