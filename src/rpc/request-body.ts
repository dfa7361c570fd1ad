/**
 * request-body.ts hands a Node request's body to a Connect handler.
 */
import type { NodeRequest } from "./one-port-listener.js";

/**
 * requestBody is the body as Connect reads it. When Connect stops reading early (over readMaxBytes)
 * the request is left open, not destroyed: destroying it cuts the connection before the answer is
 * written, or leaves an HTTP/1.1 keep-alive connection stalled on the unread rest. The listener
 * discards that rest once the answer is sent.
 */
export async function* requestBody(req: NodeRequest): AsyncGenerator<Uint8Array> {
  yield* req.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>;
}
