/**
 * The REST/JSON transcoder: google.api.http routes onto the Connect router's own handlers.
 */
export { createRestTranscoder, type RestHandler, type RestTranscoderOptions } from "./transcoder.js";
export {
  createRouteTable,
  httpBindings,
  type RestRoute,
  type RouteBinding,
  type RouteMatch,
  type RouteTable,
} from "./route-table.js";
export { restErrorBody, errorDetailRegistry, type RestErrorBody } from "./error-body.js";
