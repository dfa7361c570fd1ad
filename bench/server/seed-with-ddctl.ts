/**
 * seed-with-ddctl.ts issues the bench organisation and its API key with ddctl in a child process,
 * as an operator would, so the server process under measurement never writes through MikroORM.
 *
 * Why it matters: MikroORM runs every flush and transaction inside an AsyncLocalStorage. On Node 20
 * the first AsyncLocalStorage.run turns on promise hooks for the whole process, for good, and every
 * promise of every later request pays for them. The bare baseline never has them, so a pipeline row
 * that seeded in process would price that process-wide tax as if it were the interceptors' cost.
 * The "bare + AsyncLocalStorage" row prices the tax on its own.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

async function ddctl(databaseUrl: string, args: string[]): Promise<Record<string, unknown>> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" };
  const { stdout } = await run(process.execPath, ["bin/ddctl.js", ...args, "--json"], { env, timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** seedApiKeyWithDdctl creates an organisation with a limit the load never reaches and a key with `scopes`. */
export async function seedApiKeyWithDdctl(
  databaseUrl: string,
  scopes: readonly string[] = ["mandates:read"],
): Promise<Record<string, string>> {
  const organisation = await ddctl(databaseUrl, [
    "org",
    "create",
    "--name",
    "Bench",
    "--sun",
    "123456",
    "--display-name",
    "BENCH",
  ]);
  const id = String(organisation.id);
  // A limit the load never reaches: the rows measure the cost of checking it, not refusals.
  await ddctl(databaseUrl, ["org", "set-rate-limit", "--org", id, "--per-minute", "1000000000", "--burst", "1000000"]);
  const key = await ddctl(databaseUrl, ["key", "create", "--org", id, "--name", "bench", "--scopes", scopes.join(",")]);
  return { apiKey: String(key.key) };
}
