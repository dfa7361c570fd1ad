/**
 * client-gone.ts tells a failure caused by the client going away (it hung up mid-response, reset the
 * connection, cancelled the stream) from a failure of ours. The first is expected behaviour, seen
 * by the hundred at the end of any load run: it is logged at debug without a stack, never at warn.
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** Node's codes for a peer that reset, closed or cancelled while we were still writing. */
const goneCodes = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECANCELED",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_STREAM_WRITE_AFTER_END",
  "ERR_HTTP2_INVALID_STREAM",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_STREAM_ERROR",
]);

/** The response the failure happened on: cut before it finished means the client left. */
interface Response {
  readonly destroyed: boolean;
  readonly writableFinished: boolean;
}

/**
 * isClientGone is true when `error` (or any cause in its chain) says the client went away, or when
 * the response was cut before it finished writing.
 */
export function isClientGone(error: unknown, res?: Response): boolean {
  if (res?.destroyed && !res.writableFinished) return true;
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && goneCodes.has(code)) return true;
    if (e.message === "aborted") return true; // Node's IncomingMessage when the client aborts
    if (e instanceof ConnectError && e.code === Code.Canceled) return true;
  }
  return false;
}

/** goneReason is a one-word account of how the client left, for a debug line (no stack). */
export function goneReason(error: unknown): string {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && goneCodes.has(code)) return code;
  }
  return error instanceof Error ? error.message.slice(0, 200) : "unknown";
}
