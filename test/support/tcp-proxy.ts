/**
 * tcp-proxy.ts stands between the service and PostgreSQL so that a test can take the database away
 * and bring it back without touching the shared server: stop() closes the port and cuts every open
 * connection, as a PostgreSQL that is shut down does (its clients see the connection end, new ones
 * are refused); start() listens on the same port again.
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  /** host:port the proxy listens on (fixed for its lifetime, across stop and start). */
  readonly port: number;
  /** stop refuses new connections and ends every open one. */
  stop(): Promise<void>;
  /** start accepts connections again, on the same port. */
  start(): Promise<void>;
  /** close stops for good. */
  close(): Promise<void>;
}

/** startTcpProxy forwards 127.0.0.1:<some port> to target. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const serve = (client: Socket) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.once("close", () => open.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream).on("close", () => client.destroy());
    upstream.pipe(client).on("close", () => upstream.destroy());
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  };
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const next = createServer(serve);
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => {
        server = next;
        resolve((next.address() as AddressInfo).port);
      });
    });
  const stop = async () => {
    const closing = server;
    server = undefined;
    for (const socket of open) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  const port = await listen(0);
  return {
    port,
    stop,
    async start() {
      if (!server) await listen(port);
    },
    close: stop,
  };
}
