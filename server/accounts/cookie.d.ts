// Types for `cookie` 0.7 (express 4's own cookie parser, which ships without them): only what session-auth uses.
declare module 'cookie' {
  /** Parses a Cookie header into name -> value; the first of two equal names wins. */
  export function parse(header: string, options?: { decode?: (value: string) => string }): Record<string, string | undefined>;
}
