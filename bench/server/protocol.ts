/**
 * protocol.ts is the contract between the bench runner and its server child process: which kinds
 * of server exist, and the one JSON line a child prints on stdout once it is listening.
 */

/**
 * ServerKind names a server the bench can start: "full" is buildServer with every interceptor on
 * its own fresh database; "full-api-key" adds bench.v1.ProbeService and an organisation's API key,
 * with rate limits in Redis ("full-api-key-local": in process, no Redis); "full-mandates" is the full
 * server on Redis over 1,000,000 mandates of 100 organisations (10,000 the key's organisation's); "full-reports"
 * the same over 1,000,000 collections (100,000 the key's organisation's, ~14 months); "pipeline-auth" and
 * "pipeline-auth-limit" are the bare adapter with only authenticate + authorize (+ the Redis limit);
 * "bare" is connectNodeAdapter serving Health.Check and ProbeService.Ping, the baseline; "bare-als" the
 * same in a process where an AsyncLocalStorage has run once, as MikroORM's first flush does.
 */
export type ServerKind =
  | "full"
  | "full-api-key"
  | "full-mandates"
  | "full-reports"
  | "full-api-key-local"
  | "pipeline-auth"
  | "pipeline-auth-limit"
  | "bare"
  | "bare-als";

/** serverKinds lists every ServerKind, to validate the child's command line. */
export const serverKinds: readonly ServerKind[] = [
  "full",
  "full-api-key",
  "full-mandates",
  "full-reports",
  "full-api-key-local",
  "pipeline-auth",
  "pipeline-auth-limit",
  "bare",
  "bare-als",
];

/** seededRows is how many rows a kind seeds before it is ready: what its start may take depends on it. */
export function seededRows(kind: ServerKind): number {
  return kind === "full-mandates" || kind === "full-reports" ? 1_000_000 : 0;
}

/**
 * startTimeoutMs is how long a kind may take to become ready: 2 minutes to create and migrate a
 * database, plus a second per 5,000 seeded rows (measured ≈ 25 s a million on two free cores, so
 * the margin covers a loaded machine).
 */
export function startTimeoutMs(kind: ServerKind): number {
  return 120_000 + seededRows(kind) / 5;
}

/** ReadyLine is what a server child prints, as one JSON line, when it is accepting connections. */
export interface ReadyLine {
  port: number;
  /**
   * Values the requests need and only the server knows (e.g. a created API key or a mandate id);
   * empty for servers that need no data.
   */
  fixtures: Record<string, string>;
  /** The database the child created and will drop, if any (named in warnings if it cannot). */
  database?: string;
}
