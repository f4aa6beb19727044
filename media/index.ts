/**
 * The media layer's public interface: the mediasoup worker pool and the
 * router codecs. Other folders import from here only.
 */
export { AUDIO_MEDIA_CODECS } from './codecs.js';
export { MediaPoolClosedError, MediaUnavailableError, MediaWorkerSpawnError } from './errors.js';
export type { PortRange } from './port-range.js';
export { DEFAULT_RESTART_BACKOFF, type BackoffPolicy } from './restart-backoff.js';
export {
  MediaWorkerPool,
  type MediaWorkerPoolEvents,
  type MediaWorkerPoolOptions,
  type WorkerPickError,
  type WorkerRef,
  type WorkerSlotStats,
} from './worker-pool.js';
export { DEFAULT_PEER_CAPS, RoomMedia, type ConsumerInfo, type MediaOpError, type PeerCaps, type RoomMediaCloseReason, type RoomMediaEvents, type RoomMediaOptions, type TransportInfo } from './room-media.js';
export { RoomMediaRegistry, type RoomMediaRegistryOptions } from './room-media-registry.js';
export type { SpreadPolicy, WorkerSource } from './room-routers.js';
export { CascadePipe, type CascadePipeOptions, type PipeEndpoint, type PipedProducer } from './cascade.js';
