/**
 * accept-queue.ts reads how many connections the kernel has established on a listening port that
 * the process has not accepted yet. Closing the listening socket resets every one of them, and an
 * event loop busy with other work accepts only a few per turn: a server that drains on shutdown
 * looks here before it closes. Linux tells, in /proc/net/tcp and /proc/net/tcp6 (a LISTEN row's
 * rx_queue is its accept queue); elsewhere the answer is undefined.
 */
import { readFileSync } from "node:fs";

/** The state column of a listening socket in /proc/net/tcp. */
const listenState = "0A";

/**
 * acceptQueueLength is the number of connections waiting to be accepted on `port` of the `family`
 * ("IPv4" or "IPv6") given, summed over the addresses listening on it (another process listening
 * on the same port elsewhere counts too: the caller waits longer, never less); undefined where the
 * kernel does not say. Synchronous, so that no connection is accepted between the kernel's count
 * and the caller's own; it reads a table of every TCP socket: call it once, not in a loop.
 */
export function acceptQueueLength(port: number, family: string): number | undefined {
  const table = family === "IPv6" ? "/proc/net/tcp6" : "/proc/net/tcp";
  let text: string;
  try {
    text = readFileSync(table, "utf8");
  } catch {
    return undefined;
  }
  const portSuffix = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  let waiting: number | undefined;
  // "sl local_address rem_address st tx_queue:rx_queue …", the first line a header.
  for (const line of text.split("\n").slice(1)) {
    const [local, , state, queues] = line.trim().split(/\s+/).slice(1);
    if (state !== listenState || !local?.endsWith(portSuffix) || queues === undefined) continue;
    const length = Number.parseInt(queues.split(":")[1] ?? "", 16);
    if (Number.isFinite(length)) waiting = (waiting ?? 0) + length;
  }
  return waiting;
}
