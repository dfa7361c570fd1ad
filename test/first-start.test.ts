/**
 * The newcomer's first minute: `npm start` on a fresh embedded database prints, once, a sign-in and
 * a sandbox key that work straight away, outside the JSON log; a later start prints nothing. Health
 * says NOT_SERVING while that first start is still provisioning, and SERVING only once it is done.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServiceProcess, startService } from "./support/service-process.js";

/** plainLines are the stdout lines that are not pino JSON: the first-start notice. */
function plainLines(service: ServiceProcess): string[] {
  return service.rawLines.filter((line) => !line.startsWith("{"));
}

/** logText is everything the service logged (JSON lines) or wrote on stderr. */
function logText(service: ServiceProcess): string {
  return [...service.rawLines.filter((line) => line.startsWith("{")), ...service.stderr].join("\n");
}

describe("first start on the embedded database", () => {
  let dataDir = "";
  let secrets: string[] = [];
  /** Every service started, stopped at the end even if its test timed out (before its data goes). */
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "dd-first-start-"));
  });

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints a sign-in and a sandbox key once, outside the log, and both work", async () => {
    const service = startService({ DATA_DIR: dataDir });
    services.push(service);
    try {
      const port = (await service.waitFor("listening")).port as number;
      // The notice is written before the "listening" line, so it has all arrived by now.
      const notice = plainLines(service).join("\n");
      expect(notice).toMatch(/will not be\s+shown again/);
      const key = /API key:\s+(dd_test_[0-9A-Za-z]{38})$/m.exec(notice)?.[1] ?? "";
      const email = /sign-in email:\s+(\S+)$/m.exec(notice)?.[1] ?? "";
      const password = /sign-in password:\s+(\S+)$/m.exec(notice)?.[1] ?? "";
      expect(key).not.toBe("");
      expect(email).toBe("admin@localhost.test");
      expect(password.length).toBeGreaterThanOrEqual(16);
      expect(notice).toContain(`curl -s localhost:${port}/v1/mandates -H "Authorization: Bearer ${key}"`);
      secrets = [key, password];
      expect(notice).toMatch(new RegExp(`console:\\s+http://localhost:${port}/console/$`, "m"));
      const consolePage = await fetch(`http://127.0.0.1:${port}/console/`);
      expect(consolePage.status).toBe(200);
      expect(consolePage.headers.get("content-type")).toBe("text/html; charset=utf-8");

      const mandate = await fetch(`http://127.0.0.1:${port}/v1/mandates/MDx`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(mandate.status).toBe(404); // authenticated and authorised; there is no mandate MDx
      expect(await mandate.json()).toMatchObject({ code: "not_found" });

      const signIn = await fetch(`http://127.0.0.1:${port}/v1/sessions:signIn`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password }),
      });
      expect(signIn.status).toBe(200);
      expect(await signIn.json()).toMatchObject({ session: { sandbox: true, user: { email } } });
    } finally {
      expect(await service.stop()).toBe(0);
    }
    const logs = logText(service);
    expect(logs).toContain("first start: created sandbox organisation");
    for (const secret of secrets) expect(logs).not.toContain(secret);
  }, 180_000);

  it("prints nothing on a later start", async () => {
    expect(secrets).toHaveLength(2);
    const service = startService({ DATA_DIR: dataDir });
    services.push(service);
    try {
      await service.waitFor("listening");
      expect(plainLines(service)).toEqual([]);
    } finally {
      expect(await service.stop()).toBe(0);
    }
    const logs = logText(service);
    expect(logs).not.toContain("first start");
    for (const secret of secrets) expect(logs).not.toContain(secret);
  }, 180_000);
});

/** A port free right now, for a service whose port must be known before it says "listening". */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("health during the first start", () => {
  let dataDir = "";
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("answers NOT_SERVING while the first start provisions, then SERVING for good", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "dd-first-health-"));
    const port = await freePort();
    service = startService({ DATA_DIR: dataDir, PORT: String(port) });
    const answers: string[] = [];
    let listening = false;
    void service.waitFor("listening").then(() => (listening = true));
    // From the moment the port opens (before provisioning) until well after "listening".
    let after = 0;
    while (after < 5) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
        const { status } = (await res.json()) as { status: string };
        if (answers.at(-1) !== status) answers.push(status);
      } catch {
        // not listening yet
      }
      if (listening) after++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(answers).toEqual(["NOT_SERVING", "SERVING"]);
    expect(plainLines(service).join("\n")).toMatch(/will not be\s+shown again/);
  }, 180_000);
});
