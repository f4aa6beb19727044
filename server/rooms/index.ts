/**
 * Live audio rooms: lifecycle, stage, join grants, and the wiring of the
 * HTTP API and the signaling WebSocket. Other folders import only from here.
 */
export { RoomStage, canPublish, type Arrival, type LeaveReason, type Participant, type Role, type StageChange, type StageError, type StageSnapshot } from './stage.js';
export type { RoomLifecycleError, RoomOpError } from './errors.js';
export type { Grant, GrantError } from './grants.js';
export type { GrantView, JoinAnswer, LiveRoom, PeerLink, RoomEvent } from './live-room.js';
export type { CreateRoomInput, RoomAudience, RoomDirectory, RoomService, Viewer } from './room.service.js';
export type { RoomView } from './views.js';
export { RoomModerator } from './room-moderation.js';
export { createRooms, type Rooms, type RoomsDeps } from './wiring.js';
