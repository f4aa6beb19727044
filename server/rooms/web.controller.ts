/** The browser client's routes now live with the client (server/web/); kept here for the rooms wiring that mounts them. */
export { webClientRoutes } from '../web/web.controller.js';
