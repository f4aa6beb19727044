/**
 * Live audio rooms: lifecycle, stage, join grants and the HTTP API. Other
 * folders import only from here; transports (signaling, cascade links) use
 * the ports (ports.ts) and never the service's internals.
 */
export { AUDIENCE_HEAD, AUDIENCE_PAGE_MAX, HANDS_HEAD, RoomStage, canPublish, participantHost, type Arrival, type AudiencePage, type LeaveReason, type Participant, type Role, type StageChange, type StageError, type StageSnapshot } from './stage.js';
export type { RoomLifecycleError, RoomOpError } from './errors.js';
export type { Grant, GrantError, GrantIssuer } from './grants.js';
export type { GrantView, JoinAnswer, LiveRoomDirectory, LiveRoomHandle, ParticipantEvent, ParticipantLink, RoomCounts, RoomState, SelfCommand, StageCommand, TargetCommand, Viewer } from './ports.js';
export type { LiveRoom } from './live-room.js';
export type { CreateRoomInput, FollowGraph, RoomPersonas, RoomService } from './room.service.js';
export type { RoomView } from './views.js';
export type { RoomChange, RoomDomainEvents, RoomSnapshot } from './room-events.js';
export type { LookupError, RemoteRoomsPort, RemoteScope } from './remote-rooms.js';
export { RoomModerator } from './room-moderation.js';
export { createRooms, type Rooms, type RoomsAuth, type RoomsDeps, type RoomsOptions } from './wiring.js';
