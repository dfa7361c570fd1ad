/**
 * web-assets.ts serves the built browser app (web/dist) from the API's own port: the staff console
 * under /console/ (a single-page app: every deep link gets console.html), the payer's page at
 * /invite/<token>, and the hashed files both load from /assets/. API paths never start with these
 * prefixes, so they keep priority. Files are read once at start and answered from memory, with gzip
 * and brotli copies made then too (off the event loop: brotli at its best level takes most of a
 * second for the console's bundle), since a phone on a slow link pays for every byte.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, gzip, constants as zlib } from "node:zlib";
import type { NodeRequest, NodeResponse } from "./one-port-listener.js";

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};
const compressible = new Set([".html", ".js", ".css", ".svg"]);

/**
 * The pages load scripts, styles and data from this origin only, and may not be framed: the payer
 * page takes bank details, and clickjacking is the classic attack on such a form.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

type Encoding = "br" | "gzip";

interface Asset {
  body: Buffer;
  contentType: string;
  /** The strong ETag of the body as stored; each encoding's copy gets its own (etagOf). */
  etag: string;
  encoded: Map<Encoding, Buffer>;
}

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** A page's own headers beside the shared ones. */
interface Page {
  asset: Asset;
  cacheControl: string;
  referrerPolicy: string;
}

/** WebAssets answers the browser app's paths; everything else is left to the API. */
export interface WebAssets {
  /** serve answers the request if its path belongs to the browser app; true means answered. */
  serve(req: NodeRequest, res: NodeResponse): boolean;
}

/**
 * loadWebAssets reads a Vite build (console.html, invite.html, assets/). A folder without the build
 * gives assets that answer the app's paths with 503 and a hint, so the API still starts (tests that
 * need no browser, a checkout that has not run `npm run build:web`).
 */
export async function loadWebAssets(dir: string): Promise<WebAssets & { built: boolean }> {
  const files = new Map<string, Asset>();
  try {
    for (const name of ["console.html", "invite.html"])
      files.set(`/${name}`, await asset(name, await readFile(join(dir, name))));
    for (const entry of await readdir(join(dir, "assets"), { withFileTypes: true }))
      if (entry.isFile())
        files.set(`/assets/${entry.name}`, await asset(entry.name, await readFile(join(dir, "assets", entry.name))));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return { built: false, serve: (req, res) => notBuilt(req, res) };
  }
  const consolePage = files.get("/console.html")!;
  const invitePage = files.get("/invite.html")!;
  return {
    built: true,
    serve(req, res) {
      const path = pathOf(req);
      let page: Page | undefined;
      if (path.startsWith("/assets/")) {
        const file = files.get(path);
        if (!file) return notFound(req, res);
        page = { asset: file, cacheControl: "public, max-age=31536000, immutable", referrerPolicy: "same-origin" };
      } else if (path === "/console") {
        return redirect(req, res, `/console/${(req.url ?? "").slice(path.length)}`);
      } else if (path.startsWith("/console/welcome/")) {
        // A new member's single-use token is in the path, as the payer's is.
        page = { asset: consolePage, cacheControl: "no-store", referrerPolicy: "no-referrer" };
      } else if (path.startsWith("/console/")) {
        page = { asset: consolePage, cacheControl: "no-cache", referrerPolicy: "same-origin" };
      } else if (/^\/invite\/[^/]+$/.test(path)) {
        // The token is in the path: never stored by a cache, never sent on in a Referer.
        page = { asset: invitePage, cacheControl: "no-store", referrerPolicy: "no-referrer" };
      } else {
        return false;
      }
      return send(req, res, page);
    },
  };
}

async function asset(name: string, body: Buffer): Promise<Asset> {
  const ext = extname(name);
  const encoded = new Map<Encoding, Buffer>();
  if (compressible.has(ext) && body.length > 1024) {
    const [br, gz] = await Promise.all([
      brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
      gzipped(body, { level: 9 }),
    ]);
    encoded.set("br", br).set("gzip", gz);
  }
  return {
    body,
    contentType: contentTypes[ext] ?? "application/octet-stream",
    etag: createHash("sha256").update(body).digest("base64url").slice(0, 22),
    encoded,
  };
}

/** etagOf is the ETag of one representation: the bytes differ per encoding, so the tags do. */
function etagOf(asset: Asset, encoding: Encoding | undefined): string {
  return `"${asset.etag}${encoding ? `-${encoding}` : ""}"`;
}

/** matches says whether If-None-Match names this tag (a list, weak tags and * included). */
function matches(ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  if (typeof ifNoneMatch !== "string") return false;
  return ifNoneMatch.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}

function send(req: NodeRequest, res: NodeResponse, { asset, cacheControl, referrerPolicy }: Page): true {
  if (!allowMethod(req, res)) return true;
  const encoding = asset.encoded.size > 0 ? pickEncoding(req.headers["accept-encoding"]) : undefined;
  const etag = etagOf(asset, encoding);
  const headers: Record<string, string> = {
    "content-type": asset.contentType,
    "cache-control": cacheControl,
    etag,
    "x-content-type-options": "nosniff",
    "referrer-policy": referrerPolicy,
  };
  if (asset.contentType.startsWith("text/html")) {
    headers["content-security-policy"] = contentSecurityPolicy;
    headers["x-frame-options"] = "DENY";
    headers["cross-origin-opener-policy"] = "same-origin";
  }
  if (asset.encoded.size > 0) headers.vary = "Accept-Encoding";
  if (matches(req.headers["if-none-match"], etag)) {
    res.writeHead(304, headers).end();
    return true;
  }
  const body = encoding ? (asset.encoded.get(encoding) ?? asset.body) : asset.body;
  if (encoding) headers["content-encoding"] = encoding;
  headers["content-length"] = String(body.length);
  res.writeHead(200, headers);
  if (req.method === "HEAD") res.end();
  else res.end(body);
  return true;
}

/** pickEncoding prefers brotli, then gzip, among those the client accepts (q=0 refuses one). */
function pickEncoding(header: string | string[] | undefined): Encoding | undefined {
  if (typeof header !== "string") return undefined;
  const accepted = new Set<string>();
  for (const part of header.split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const refused = params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
    if (!refused) accepted.add(name.trim());
  }
  if (accepted.has("br")) return "br";
  if (accepted.has("gzip")) return "gzip";
  return undefined;
}

function allowMethod(req: NodeRequest, res: NodeResponse): boolean {
  if (req.method === "GET" || req.method === "HEAD") return true;
  res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
  return false;
}

function notFound(req: NodeRequest, res: NodeResponse): true {
  if (!allowMethod(req, res)) return true;
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" }).end("not found\n");
  return true;
}

function redirect(req: NodeRequest, res: NodeResponse, location: string): true {
  if (!allowMethod(req, res)) return true;
  res.writeHead(308, { location }).end();
  return true;
}

const appPath = /^\/(console(\/.*)?|invite\/[^/]+|assets\/.*)$/;

function notBuilt(req: NodeRequest, res: NodeResponse): boolean {
  if (!appPath.test(pathOf(req))) return false;
  res
    .writeHead(503, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" })
    .end("The browser app is not built: run `npm run build:web` and restart the service.\n");
  return true;
}

function pathOf(req: NodeRequest): string {
  return (req.url ?? "/").split("?", 1)[0] ?? "/";
}
