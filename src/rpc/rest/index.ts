/**
 * The REST/JSON transcoder: google.api.http routes onto the Connect router's own handlers.
 */

export { errorDetailRegistry, type RestErrorBody, restErrorBody } from "./error-body.js";
export {
  createRouteTable,
  httpBindings,
  type RestRoute,
  type RouteBinding,
  type RouteMatch,
  type RouteTable,
} from "./route-table.js";
export { createRestTranscoder, type RestHandler, type RestTranscoderOptions } from "./transcoder.js";
