/**
 * Fuzzing the public edge with fast-check against the real service, run as its own process with its
 * production defaults (src/main.ts; only the per-address limits are raised, or nearly every case
 * would be a 429): REST paths and query strings, JSON bodies (deep, wide, huge numbers, invalid
 * UTF-8), the Authorization header and cookies, and the listener's first bytes. No answer may be a
 * 500, health must answer after each batch, the process must not exit, and its RSS must come back
 * within 10 % of where it started (the fuzzer's own memory is not in it).
 *
 * In CI the runs are bounded (about half a minute); `npm run fuzz` runs the same properties longer
 * (FUZZ_RUNS per property, default there 5,000).
 */

import { readFile } from "node:fs/promises";
import { connect as connectTcp } from "node:net";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PasswordHasher } from "../src/modules/identity/password.js";
import { Provisioning } from "../src/modules/identity/provisioning.js";
import { systemClock } from "../src/platform/clock.js";
import { acrossTenants } from "../src/platform/db/tenant-session.js";
import { issueKeyInDatabase, liveBacsIdentity } from "./support/fixtures.js";
import { type OpenTestDatabase, openTestDatabase } from "./support/open-test-database.js";
import { type ServiceProcess, startService } from "./support/service-process.js";
import { testPasswordCost } from "./support/test-password-cost.js";

const fuzzRuns = Number(process.env.FUZZ_RUNS ?? "") || undefined;
/** runs is the CI bound of a property unless FUZZ_RUNS says otherwise. */
const runs = (ci: number) => fuzzRuns ?? ci;
const timeout = fuzzRuns ? 60 * 60_000 : 60_000;

/** rssOf is a process's resident set size in bytes (Linux). */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

/**
 * rawRequest writes bytes on a fresh connection and reads the answer until the server closes or
 * waitMs passes. halfClose ends our side after the bytes (Node's HTTP server then drops the request,
 * by design: only for bytes that are not a whole request).
 */
function rawRequest(port: number, bytes: Uint8Array, waitMs = 2_000, halfClose = false): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connectTcp(port, "127.0.0.1", () => (halfClose ? socket.end(bytes) : socket.write(bytes)));
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const timer = setTimeout(done, waitMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", done);
    socket.on("close", done);
  });
}

/** statusOf is the HTTP status of a raw answer, or 0 when the server closed without one. */
function statusOf(answer: string): number {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
  return match ? Number(match[1]) : 0;
}

/** httpRequest builds an HTTP/1.1 request with Connection: close. */
function httpRequest(method: string, target: string, headers: Record<string, string>, body?: Uint8Array): Uint8Array {
  const lines = [`${method} ${target} HTTP/1.1`, "Host: fuzz.test", "Connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body) lines.push(`Content-Length: ${body.byteLength}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return body ? Buffer.concat([head, body]) : head;
}

const restPostRoutes = [
  "/v1/sessions:signIn",
  "/v1/sessions:signOut",
  "/v1/mandates",
  "/v1/mandates/MD0000000000:cancel",
  "/v1/mandateInvites/tok:complete",
  "/v1/apiKeys",
  "/v1/collectionSchedules",
  "/v1/alerts/AL0000:acknowledge",
];
const connectRoutes = [
  "/dd.v1.SessionService/SignIn",
  "/dd.v1.MandateService/CreateMandate",
  "/dd.v1.MandateService/ListMandates",
  "/dd.v1.MandateInviteService/CompleteMandateInvite",
  "/dd.v1.ApiKeyService/CreateApiKey",
  "/grpc.health.v1.Health/Check",
];

const segment = fc.oneof(
  fc.constantFrom(
    "v1",
    "mandates",
    "collections",
    "collectionSchedules",
    "apiKeys",
    "alerts",
    "sessions:signIn",
    "sessions",
    "current",
    "mandateInvites",
    "reports",
    "MD0000000000",
    "abc:complete",
    ":cancel",
    ":",
    "..",
    ".",
    "%2e%2e",
    "%2F",
    "%00",
    "%ff",
    "%",
    "%zz",
    "{mandate_id}",
    "*",
    "",
    "healthz",
    "grpc.health.v1.Health",
    "dd.v1.MandateService",
    "ListMandates",
  ),
  fc.string({ unit: "grapheme", maxLength: 24 }).map(encodeURIComponent),
  fc.string({ unit: fc.constantFrom(...";:@&=+$,!~*'()%[]"), maxLength: 8 }),
);
const queryValue = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom(
    "1e999",
    "-1",
    "NaN",
    "99999999999999999999999",
    "0x10",
    "%",
    "%ff",
    "true",
    "",
    "MANDATE_STATE_ACTIVE",
  ),
);
const queryKey = fc.oneof(
  fc.constantFrom("pageSize", "page_size", "pageToken", "state", "reference", "from", "to", "service", "x.y", "a[0]"),
  fc.string({ unit: "grapheme", maxLength: 12 }).map(encodeURIComponent),
);
const query = fc
  .array(fc.tuple(queryKey, queryValue), { maxLength: 6 })
  .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));

const hugeNumbers = [
  "1e999999",
  "-1e999999",
  "123456789012345678901234567890",
  "0.00000000000000000000000000001",
  "-0",
  "9007199254740993",
  "18446744073709551616",
  "1E400",
];
const jsonText = fc.oneof(
  // deep: arrays or objects nested up to 3,000 levels
  fc
    .tuple(fc.integer({ min: 1, max: 3_000 }), fc.boolean())
    .map(([depth, arrays]) =>
      arrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
    ),
  // wide: thousands of fields or elements
  fc.integer({ min: 1, max: 10_000 }).map((n) =>
    JSON.stringify({
      mandate: { metadata: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"])) },
    }),
  ),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `[${"1,".repeat(n)}1]`),
  // huge numbers where the schema wants numbers, strings and messages
  fc
    .tuple(fc.constantFrom(...hugeNumbers), fc.constantFrom("pageSize", "page_size", "ttlSeconds", "email", "mandate"))
    .map(([n, field]) => `{"${field}":${n}}`),
  fc.constantFrom(...hugeNumbers),
  fc.json({ maxDepth: 6 }),
  fc.anything({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"),
);
/** Invalid UTF-8 sequences: a lone continuation byte, overlong forms, a surrogate, bytes past U+10FFFF. */
const invalidUtf8 = fc.constantFrom(
  [0xff],
  [0x80],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
);
const jsonBody = fc.oneof(
  { weight: 4, arbitrary: jsonText.map((text) => new Uint8Array(Buffer.from(text, "utf8"))) },
  {
    weight: 1,
    arbitrary: fc.tuple(jsonText, invalidUtf8, fc.nat()).map(([text, bad, at]) => {
      const bytes = Buffer.from(text, "utf8");
      const cut = at % (bytes.byteLength + 1);
      return new Uint8Array(Buffer.concat([bytes.subarray(0, cut), Buffer.from(bad), bytes.subarray(cut)]));
    }),
  },
);

/** Header values: any byte but CR, LF and NUL (those end or break the header), up to 2 KiB. */
const headerText = fc
  .array(fc.integer({ min: 0x01, max: 0xff }), { maxLength: 2_048 })
  .map((codes) => String.fromCharCode(...codes.filter((c) => c !== 0x0a && c !== 0x0d)));

describe("fuzzing the public edge", () => {
  let database: OpenTestDatabase;
  let service: ServiceProcess;
  let port: number;
  let key: string;
  const cases: Record<string, number> = {};
  const statuses: Record<string, Record<number, number>> = {};
  let rssStart = 0;

  /** send makes one request and records its status under the property's name. */
  async function send(property: string, bytes: Uint8Array, waitMs?: number): Promise<number> {
    const status = statusOf(await rawRequest(port, bytes, waitMs));
    cases[property] = (cases[property] ?? 0) + 1;
    statuses[property] ??= {};
    const seen = statuses[property];
    seen[status] = (seen[status] ?? 0) + 1;
    return status;
  }

  async function expectHealthy(): Promise<void> {
    expect(service.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  }

  beforeAll(async () => {
    database = await openTestDatabase();
    const organisation = await acrossTenants(database.orm, "provisioning", (em) =>
      new Provisioning({ clock: systemClock, passwords: new PasswordHasher(testPasswordCost) }).createOrganisation(em, {
        name: "Fuzz",
        sandbox: false,
        ...liveBacsIdentity("Fuzz"),
      }),
    );
    key = (await issueKeyInDatabase(database.orm, organisation.id)).secret;
    service = startService({
      ...database.env,
      REDIS_URL: process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: `ddfuzz:${Date.now()}:`,
      ACCOUNT_NUMBER_KEY: "fuzz-account-number-key-0123456789abcdef",
      LOG_LEVEL: "info",
      FAILED_AUTH_RATE_LIMIT_PER_MINUTE: "1000000",
      FAILED_AUTH_RATE_LIMIT_BURST: "1000000",
      PUBLIC_RATE_LIMIT_PER_MINUTE: "1000000",
      PUBLIC_RATE_LIMIT_BURST: "1000000",
      // A bounded heap, as a container would set: V8 then collects rather than growing its heap at
      // leisure (unbounded, 20,000 cases took RSS from 227 to 316 MiB, on main as well, with no leak),
      // so RSS shows what the service keeps, and a leak ends in an out-of-memory exit.
      NODE_OPTIONS: "--max-old-space-size=64 --max-semi-space-size=4",
    });
    port = Number((await service.waitFor("listening")).port);
    // Warm up (code loaded and compiled, pools filled) before the RSS the run is measured against.
    for (let i = 0; i < 100; i++) {
      await send("warm-up", httpRequest("GET", "/v1/mandates", { authorization: `Bearer ${key}` }));
      await send(
        "warm-up",
        httpRequest("POST", "/v1/mandates", { "content-type": "application/json" }, Buffer.from("{}")),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    rssStart = await rssOf(service.child.pid!);
  }, 120_000);

  afterAll(async () => {
    console.log(`fuzz cases run: ${JSON.stringify(cases)}\nstatuses seen: ${JSON.stringify(statuses)}`);
    const warnings = service?.lines.filter((line) => line.level !== "info" && line.level !== "debug") ?? [];
    console.log(`service lines at warn or above: ${JSON.stringify(warnings.map((line) => line.msg))}`);
    await service?.stop();
    await database?.close();
  }, 60_000);

  it(
    "REST paths and query strings",
    async () => {
      const method = fc.constantFrom("GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD");
      const path = fc.array(segment, { maxLength: 8 }).map((segments) => `/${segments.join("/")}`);
      await fc.assert(
        fc.asyncProperty(method, path, query, fc.boolean(), async (verb, target, search, signedIn) => {
          const headers: Record<string, string> = signedIn ? { authorization: `Bearer ${key}` } : {};
          expect(await send("rest paths and queries", httpRequest(verb, `${target}${search}`, headers))).not.toBe(500);
        }),
        { numRuns: runs(600) },
      );
      await expectHealthy();
    },
    timeout,
  );

  it(
    "JSON bodies on REST and Connect",
    async () => {
      const route = fc.constantFrom(...restPostRoutes, ...connectRoutes);
      await fc.assert(
        fc.asyncProperty(route, jsonBody, fc.boolean(), fc.boolean(), async (target, body, signedIn, gzip) => {
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (signedIn) headers.authorization = `Bearer ${key}`;
          // Connect accepts compressed requests; REST does not (it answers for that itself).
          const compressed = gzip && target.includes(".");
          if (compressed) headers["content-encoding"] = "gzip";
          const bytes = httpRequest("POST", target, headers, compressed ? gzipSync(body) : body);
          expect(await send("json bodies", bytes)).not.toBe(500);
        }),
        { numRuns: runs(500) },
      );
      await expectHealthy();
    },
    timeout,
  );

  it(
    "the Authorization header and cookies",
    async () => {
      const authorization = fc.oneof(
        headerText,
        headerText.map((text) => `Bearer ${text}`),
        fc
          .string({ unit: fc.constantFrom(..."ABCDEFGHJKMNPQRSTVWXYZ0123456789"), maxLength: 60 })
          .map((s) => `Bearer dd_live_${s}`),
        fc.nat().map((at) => {
          // The real key with one character changed: well-formed, wrong.
          const i = 8 + (at % (key.length - 8));
          return `Bearer ${key.slice(0, i)}${key[i] === "A" ? "B" : "A"}${key.slice(i + 1)}`;
        }),
        headerText.map((text) => `Basic ${Buffer.from(text, "latin1").toString("base64")}`),
        fc.constant(`Bearer ${key}`),
      );
      const cookie = fc.oneof(
        headerText,
        headerText.map((text) => `dd_session=${text}`),
        fc
          .array(fc.tuple(fc.constantFrom("dd_session", "__Host-dd_session", "x"), headerText), { maxLength: 5 })
          .map((pairs) => pairs.map(([name, value]) => `${name}=${value.replaceAll(";", "")}`).join("; ")),
      );
      const target = fc.constantFrom(
        ["GET", "/v1/mandates"],
        ["GET", "/v1/sessions/current"],
        ["POST", "/v1/sessions:signOut"],
        ["POST", "/dd.v1.MandateService/ListMandates"],
        ["POST", "/dd.v1.SessionService/GetCurrentSession"],
      );
      await fc.assert(
        fc.asyncProperty(target, fc.option(authorization), fc.option(cookie), async ([verb, path], auth, cookies) => {
          const headers: Record<string, string> = {};
          if (auth !== null) headers.authorization = auth;
          if (cookies !== null) headers.cookie = cookies;
          const body = verb === "POST" ? Buffer.from("{}") : undefined;
          if (body) headers["content-type"] = "application/json";
          expect(await send("authorization and cookies", httpRequest(verb, path, headers, body))).not.toBe(500);
        }),
        { numRuns: runs(500) },
      );
      await expectHealthy();
    },
    timeout,
  );

  it(
    "the listener's first bytes",
    async () => {
      const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
      const first = fc.oneof(
        fc.uint8Array({ maxLength: 2_048 }),
        fc.uint8Array({ maxLength: 512 }).map((rest) => Buffer.concat([preface, rest])),
        fc.uint8Array({ maxLength: 64 }).map((rest) => Buffer.concat([preface.subarray(0, 8), rest])),
        fc.uint8Array({ maxLength: 512 }).map((rest) => Buffer.concat([Buffer.from("GET / HTTP/1.1\r\n"), rest])),
        headerText.map((text) => Buffer.from(text, "latin1")),
      );
      await fc.assert(
        fc.asyncProperty(first, async (bytes) => {
          const answer = await rawRequest(port, bytes, 1_000, true);
          cases["first bytes"] = (cases["first bytes"] ?? 0) + 1;
          expect(statusOf(answer)).not.toBe(500);
        }),
        { numRuns: runs(300) },
      );
      await expectHealthy();
    },
    timeout,
  );

  it("leaves the service's memory within 10 % of where it started", async () => {
    // No GC can be forced in another process: V8's memory reducer shrinks an idle heap within seconds.
    const deadline = Date.now() + 30_000;
    let rssEnd = await rssOf(service.child.pid!);
    while (rssEnd > rssStart * 1.1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      rssEnd = await rssOf(service.child.pid!);
    }
    console.log(`service rss: start ${(rssStart / 2 ** 20).toFixed(1)} MiB, end ${(rssEnd / 2 ** 20).toFixed(1)} MiB`);
    expect(rssEnd).toBeLessThanOrEqual(rssStart * 1.1);
  }, 60_000);
});
