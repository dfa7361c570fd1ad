/**
 * The browser app served from the API port, over a real listening server: which paths it answers and
 * which it leaves to the API, caching and security headers, compressed copies, conditional requests,
 * methods, and a start without a build. A small fixture build stands in for web/dist.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWebAssets } from "../src/rpc/web-assets.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let dir = "";
let server: TestServer;
let unbuilt: TestServer;
const script = `console.log(${JSON.stringify("x".repeat(4000))});\n`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dd-web-"));
  await mkdir(join(dir, "assets"));
  await writeFile(join(dir, "console.html"), "<!doctype html><title>console</title>");
  await writeFile(join(dir, "invite.html"), "<!doctype html><title>invite</title>");
  await writeFile(join(dir, "assets", "console-abc123.js"), script);
  await writeFile(join(dir, "console-manifest.json"), "{}");
  server = await startTestServer({ webAssets: await loadWebAssets(dir) });
  unbuilt = await startTestServer({ webAssets: await loadWebAssets(join(dir, "missing")) });
});

afterAll(async () => {
  await server?.close();
  await unbuilt?.close();
  await rm(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}, base = server.baseUrl) {
  return fetch(`${base}${path}`, { headers, redirect: "manual" });
}

describe("the console", () => {
  it.each(["/console/", "/console/api-keys", "/console/mandates/MD123"])(
    "answers %s with console.html, revalidated on every load, framed by no one",
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("<title>console</title>");
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    },
  );

  it("answers a welcome link like the payer page: no cache keeps it, no Referer carries its token", async () => {
    const res = await get("/console/welcome/abcDEF_123");
    expect(await res.text()).toContain("<title>console</title>");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("redirects /console to /console/, keeping the query", async () => {
    const res = await get("/console?x=1");
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe("/console/?x=1");
  });
});

describe("the payer page", () => {
  it("answers /invite/<token> with invite.html that no cache keeps and no Referer carries on", async () => {
    const res = await get("/invite/abcDEF_123-x");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<title>invite</title>");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("leaves deeper paths under /invite/ to the API (404)", async () => {
    expect((await get("/invite/abc/def")).status).toBe(404);
    expect((await get("/invite/")).status).toBe(404);
  });
});

describe("assets", () => {
  it("answers a hashed file as immutable, in brotli or gzip as accepted, with an ETag", async () => {
    const br = await get("/assets/console-abc123.js", { "accept-encoding": "gzip, br" });
    expect(br.status).toBe(200);
    expect(br.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(br.headers.get("content-encoding")).toBe("br");
    expect(br.headers.get("vary")).toBe("Accept-Encoding");
    expect(br.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    // fetch decodes the body itself; ask again at the socket level for the bytes.
    expect(await br.text()).toBe(script);

    const raw = await rawGet("/assets/console-abc123.js", "gzip;q=1, br;q=0");
    expect(raw.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(raw.body).toString()).toBe(script);
    expect(raw.body.length).toBeLessThan(script.length / 10);
    const brRaw = await rawGet("/assets/console-abc123.js", "br");
    expect(brotliDecompressSync(brRaw.body).toString()).toBe(script);

    const plain = await rawGet("/assets/console-abc123.js", "identity");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toBe(script);

    // Each encoding is its own representation, with its own tag; If-None-Match may list several.
    const etag = br.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[\w-]{22}-br"$/);
    expect(raw.headers.etag).toBe(etag.replace("-br", "-gzip"));
    expect(plain.headers.etag).toBe(etag.replace("-br", ""));
    const cached = { "if-none-match": `"other", ${etag}`, "accept-encoding": "br" };
    expect((await get("/assets/console-abc123.js", cached)).status).toBe(304);
    expect((await rawGet("/assets/console-abc123.js", "gzip", { "if-none-match": etag })).status).toBe(200);
  });

  it("answers 404 for a file that is not in the build, and never reads outside it", async () => {
    expect((await get("/assets/nope.js")).status).toBe(404);
    expect((await get("/assets/..%2fconsole-manifest.json")).status).toBe(404);
    expect((await get("/assets/../console-manifest.json")).status).not.toBe(200);
    expect((await get("/console-manifest.json")).status).toBe(404);
  });

  it("answers HEAD without a body and refuses writes with 405", async () => {
    const head = await fetch(`${server.baseUrl}/console/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const post = await fetch(`${server.baseUrl}/console/`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("CORS", () => {
  it("adds no Origin-dependent headers to the app's files, which caches keep for a year", async () => {
    const withOrigin = await startTestServer({
      webAssets: await loadWebAssets(dir),
      corsOrigins: ["https://app.example"],
    });
    try {
      const res = await get("/assets/console-abc123.js", { origin: "https://app.example" }, withOrigin.baseUrl);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      expect(res.headers.get("vary")).toBe("Accept-Encoding");
    } finally {
      await withOrigin.close();
    }
  });
});

describe("API paths", () => {
  it("keep priority: /healthz and /v1 are the API's", async () => {
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/v1/mandates")).status).toBe(401);
  });
});

describe("without a build", () => {
  it("answers the app's paths with 503 and how to build, and still serves the API", async () => {
    const res = await get("/console/", {}, unbuilt.baseUrl);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("npm run build:web");
    expect((await get("/invite/abc", {}, unbuilt.baseUrl)).status).toBe(503);
    expect((await get("/healthz", {}, unbuilt.baseUrl)).status).toBe(200);
  });
});

/** rawGet reads a response's bytes as sent (fetch would decode them). */
async function rawGet(path: string, acceptEncoding: string, headers: Record<string, string> = {}) {
  const http = await import("node:http");
  type Raw = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };
  return new Promise<Raw>((resolve, reject) => {
    http
      .get(`${server.baseUrl}${path}`, { headers: { "accept-encoding": acceptEncoding, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      })
      .on("error", reject);
  });
}
