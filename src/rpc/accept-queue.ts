/**
 * accept-queue.ts reads how many connections the kernel has established on a listening port that
 * the process has not accepted yet. Closing the listening socket resets every one of them, and an
 * event loop busy with other work accepts only a few per turn: a server that drains on shutdown
 * looks here before it closes. Linux tells, in /proc/net/tcp and /proc/net/tcp6 (a LISTEN row's
 * rx_queue is its accept queue); elsewhere the answer is undefined.
 */
import { readFile } from "node:fs/promises";

/** The state column of a listening socket in /proc/net/tcp. */
const listenState = "0A";
const tables = ["/proc/net/tcp", "/proc/net/tcp6"];

/**
 * acceptQueueLength is the number of connections waiting to be accepted on `port`, summed over the
 * addresses listening on it; undefined where the kernel does not say.
 */
export async function acceptQueueLength(port: number): Promise<number | undefined> {
  const portSuffix = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  let waiting: number | undefined;
  for (const table of tables) {
    const text = await readFile(table, "utf8").catch(() => undefined);
    if (text === undefined) continue;
    // "sl local_address rem_address st tx_queue:rx_queue …", the first line a header.
    for (const line of text.split("\n").slice(1)) {
      const [local, , state, queues] = line.trim().split(/\s+/).slice(1);
      if (state !== listenState || !local?.endsWith(portSuffix) || queues === undefined) continue;
      waiting = (waiting ?? 0) + Number.parseInt(queues.split(":")[1] ?? "0", 16);
    }
  }
  return waiting;
}
