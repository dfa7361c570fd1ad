/** started.ts is what a server kind's start function returns inside the server child. */

/** StartedServer is a listening server; its cleanups were registered with `defer` as it started. */
export interface StartedServer {
  port: number;
  fixtures: Record<string, string>;
  database?: string;
}
