/**
 * The newcomer's path: `npm start` with no DATABASE_URL and no REDIS_URL runs on embedded defaults,
 * says which backends it uses, serves, exposes metrics, and stops cleanly on SIGTERM. And production's:
 * the build's `node dist/main.js` does the same, and passes the image's HEALTHCHECK.
 */
import { spawn } from "node:child_process";
import { copyFile, mkdtemp, rm, stat, symlink } from "node:fs/promises";
import { networkInterfaces, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execForm, readStages } from "./support/dockerfile.js";
import { type ServiceProcess, startService } from "./support/service-process.js";

const dataDirs: string[] = [];
/** Every service started, stopped at the end even if its test failed or timed out (before its data goes). */
const services: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

// Starting the service (node + tsx, and PGlite's WebAssembly PostgreSQL) costs seconds of CPU: on a
// loaded machine far more than the suite's default; the timeout only bounds a hang.
/** anotherAddress is an IPv4 address of this machine that is not loopback, if it has one. */
function anotherAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === "IPv4" && !i.internal)?.address;
}

/** reachable says whether an HTTP GET of `url` gets any answer. */
async function reachable(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

describe("npm start on embedded defaults", { timeout: 180_000 }, () => {
  it("serves with embedded PostgreSQL and in-process Redis twins, then drains and stops on SIGTERM", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "dd-start-"));
    dataDirs.push(dataDir);
    // The API on every interface, as in a container: /metrics stays on loopback all the same.
    const service = startService({ DATA_DIR: dataDir, HOST: "0.0.0.0" });
    services.push(service);
    const backends = await service.waitFor("backends");
    expect(backends.database).toMatch(/embedded PostgreSQL/);
    expect(backends.redis).toMatch(/in-process/);
    const listening = await service.waitFor("listening");
    const res = await fetch(`http://127.0.0.1:${listening.port}/healthz`);
    expect(await res.json()).toEqual({ status: "SERVING" });

    const metrics = await (await fetch(`http://127.0.0.1:${listening.metrics_port}/metrics`)).text();
    expect(metrics).toMatch(
      /dd_rpc_requests_total\{service="grpc.health.v1.Health",method="Check",protocol="rest",code="ok"\} 1/,
    );
    expect(metrics).toMatch(/dd_rpc_duration_seconds_bucket/);

    // No ACCOUNT_NUMBER_KEY: a key generated into DATA_DIR, readable by the service's user only, and a warning.
    const keyFile = join(dataDir, "account-number.key");
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(service.lines).toContainEqual(
      expect.objectContaining({ level: "warn", key_file: keyFile, msg: expect.stringMatching(/ACCOUNT_NUMBER_KEY/) }),
    );

    expect(listening.metrics_host).toBe("127.0.0.1");
    const outside = anotherAddress();
    if (outside !== undefined) {
      expect(await reachable(`http://${outside}:${listening.port}/healthz`)).toBe(true);
      expect(await reachable(`http://${outside}:${listening.metrics_port}/metrics`)).toBe(false);
    }

    expect(await service.stop()).toBe(0);
    expect(service.lines.map((l) => l.msg)).toContain("stopped");
  });

  it("stops at once with one line naming a bad variable", async () => {
    const service = startService({ PORT: "eighty" });
    services.push(service);
    expect(await service.exited).toBe(2);
    expect(service.stderr.join("").trim()).toBe('invalid configuration: PORT must be a whole number, got "eighty"');
  });

  it("refuses PostgreSQL without ACCOUNT_NUMBER_KEY, in one line, before connecting", async () => {
    // Nothing listens on port 1: a refusal from anything but the check would read differently.
    const service = startService({ DATABASE_URL: "postgres://dd_app@127.0.0.1:1/dd" });
    services.push(service);
    expect(await service.exited).toBe(2);
    expect(service.stderr.join("").trim()).toMatch(
      /^invalid configuration: ACCOUNT_NUMBER_KEY must be set when DATABASE_URL is: [^\n]+$/,
    );
  });
});

/** run spawns a command and resolves with its exit code, output included in the error when asked. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number | null> {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const output: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0 && command === "npm") reject(new Error(Buffer.concat(output).toString()));
      else resolve(code);
    });
  });
}

describe("node dist/main.js, built by npm run build", () => {
  // Built into a directory of its own laid out like the image's /app (package.json for "type": "module",
  // node_modules, dist/; no src/ or gen/ beside it), not into ./dist: no race with a build running
  // beside the tests, nothing left behind. --noCheck: the emitted JavaScript is the same (isolatedModules),
  // and type errors are `npm run typecheck`'s to report, once, rather than every test run's.
  let app: string;
  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), "dd-built-"));
    dataDirs.push(app);
    await copyFile("package.json", join(app, "package.json"));
    await symlink(resolve("node_modules"), join(app, "node_modules"), "dir");
    await symlink(resolve("data"), join(app, "data"), "dir"); // the modulus tables, as the image copies them
    await run("npm", ["run", "build", "--", "--outDir", join(app, "dist"), "--noCheck"]);
  }, 240_000);

  it("serves on embedded defaults, passes the Dockerfile's HEALTHCHECK, and exits 0 on SIGTERM", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "dd-start-"));
    dataDirs.push(dataDir);
    const service = startService({ DATA_DIR: dataDir }, { args: ["dist/main.js"], cwd: app });
    const backends = await service.waitFor("backends");
    expect(backends.database).toMatch(/embedded PostgreSQL/);
    const listening = await service.waitFor("listening");
    const res = await fetch(`http://127.0.0.1:${listening.port}/healthz`);
    expect(await res.json()).toEqual({ status: "SERVING" });

    const healthcheck = readStages("Dockerfile")
      .at(-1)!
      .instructions.find((i) => i.keyword === "HEALTHCHECK");
    const [program, ...args] = execForm(healthcheck!.rest);
    expect(program).toBe("node");
    const probe = () => run(process.execPath, args, { ...process.env, PORT: String(listening.port) });
    expect(await probe()).toBe(0);

    expect(await service.stop()).toBe(0);
    expect(service.lines.map((l) => l.msg)).toContain("stopped");
    expect(await probe()).toBe(1);
  }, 60_000);
});
