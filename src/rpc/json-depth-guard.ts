/**
 * json-depth-guard.ts bounds the nesting of Connect, gRPC and gRPC-Web JSON requests before Connect
 * parses them: the body is scanned as it streams past (json-depth.ts), and the read fails with
 * INVALID_ARGUMENT as soon as it nests too deeply, so JSON.parse never sees it. Compressed bodies
 * and messages are inflated (up to readMaxBytes) for the scan only; Connect still reads the bytes
 * as they came. A Connect GET carries its message in the query (`?encoding=json&message=…`, maybe
 * base64 and compressed): connectGetTooDeep scans that one.
 */
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";
import { JsonDepthScanner, tooDeepMessage } from "./json-depth.js";

export interface JsonDepthLimits {
  /** Deepest nesting of arrays and objects accepted. */
  maxDepth: number;
  /** Connect's readMaxBytes: a larger body or message is refused by Connect itself, unscanned here. */
  readMaxBytes: number;
}

type HeaderValue = string | string[] | undefined;

const unaryJson = /^application\/json\s*(?:;|$)/i;
const envelopedJson = /^application\/(?:connect|grpc|grpc-web)\+json\s*(?:;|$)/i;

/**
 * guardJsonDepth passes a request body through unchanged, failing it with INVALID_ARGUMENT once its
 * JSON nests deeper than the limit. Bodies that are not JSON pass untouched.
 */
export function guardJsonDepth(
  body: AsyncIterable<Uint8Array>,
  headers: Record<string, HeaderValue>,
  limits: JsonDepthLimits,
): AsyncIterable<Uint8Array> {
  const contentType = first(headers["content-type"]) ?? "";
  if (unaryJson.test(contentType)) return guardUnary(body, first(headers["content-encoding"]), limits);
  if (envelopedJson.test(contentType)) {
    const encoding = first(headers["connect-content-encoding"]) ?? first(headers["grpc-encoding"]);
    return guardEnveloped(body, encoding, limits);
  }
  return body;
}

/**
 * connectGetTooDeep returns the INVALID_ARGUMENT for a Connect GET whose JSON message nests deeper
 * than the limit, or undefined (not a JSON GET, or not too deep; what cannot be decoded is Connect's
 * to refuse).
 */
export function connectGetTooDeep(url: string, limits: JsonDepthLimits): ConnectError | undefined {
  const query = new URLSearchParams(url.split("?", 2)[1] ?? "");
  const message = query.get("message");
  if (query.get("encoding") !== "json" || message === null) return undefined;
  const raw = query.get("base64") === "1" ? Buffer.from(message, "base64url") : Buffer.from(message, "utf8");
  const compression = query.get("compression") ?? undefined;
  const text = isCompressed(compression) ? inflate(raw, compression, limits.readMaxBytes) : raw;
  if (!text) return undefined;
  return new JsonDepthScanner(limits.maxDepth).push(text) ? undefined : tooDeep(limits.maxDepth);
}

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function tooDeep(maxDepth: number): ConnectError {
  return new ConnectError(tooDeepMessage(maxDepth), Code.InvalidArgument);
}

/** A Connect unary body: one JSON document, compressed as a whole when Content-Encoding says so. */
async function* guardUnary(
  body: AsyncIterable<Uint8Array>,
  encoding: string | undefined,
  limits: JsonDepthLimits,
): AsyncGenerator<Uint8Array> {
  const scanner = new JsonDepthScanner(limits.maxDepth);
  if (!isCompressed(encoding)) {
    for await (const chunk of body) {
      if (!scanner.push(chunk)) throw tooDeep(limits.maxDepth);
      yield chunk;
    }
    return;
  }
  const compressed = new Collected(limits.readMaxBytes);
  for await (const chunk of body) {
    compressed.add(chunk);
    yield chunk;
  }
  const text = compressed.bytes && inflate(compressed.bytes, encoding, limits.readMaxBytes);
  if (text && !scanner.push(text)) throw tooDeep(limits.maxDepth);
}

/** Enveloped messages (5-byte prefix: flags, big-endian length), each its own JSON document. */
async function* guardEnveloped(
  body: AsyncIterable<Uint8Array>,
  encoding: string | undefined,
  limits: JsonDepthLimits,
): AsyncGenerator<Uint8Array> {
  const prefix = new Uint8Array(5);
  let prefixRead = 0;
  let left = 0; // bytes of the current message still to come
  let scanner = new JsonDepthScanner(limits.maxDepth);
  let compressed: Collected | undefined; // the current message, when it is compressed
  for await (const chunk of body) {
    let at = 0;
    while (at < chunk.byteLength) {
      if (left === 0) {
        const take = Math.min(5 - prefixRead, chunk.byteLength - at);
        prefix.set(chunk.subarray(at, at + take), prefixRead);
        prefixRead += take;
        at += take;
        if (prefixRead < 5) break;
        prefixRead = 0;
        left = new DataView(prefix.buffer).getUint32(1);
        scanner = new JsonDepthScanner(limits.maxDepth);
        compressed = (prefix[0]! & 0b1) === 1 ? new Collected(limits.readMaxBytes) : undefined;
        continue;
      }
      const part = chunk.subarray(at, at + Math.min(left, chunk.byteLength - at));
      at += part.byteLength;
      left -= part.byteLength;
      if (compressed) compressed.add(part);
      else if (!scanner.push(part)) throw tooDeep(limits.maxDepth);
      if (left === 0 && compressed?.bytes) {
        const text = inflate(compressed.bytes, encoding, limits.readMaxBytes);
        if (text && !scanner.push(text)) throw tooDeep(limits.maxDepth);
      }
    }
    yield chunk;
  }
}

function isCompressed(encoding: string | undefined): boolean {
  return encoding !== undefined && encoding !== "" && encoding !== "identity";
}

/** Collected keeps bytes up to a limit; past it, bytes is undefined (Connect refuses the body). */
class Collected {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  add(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    if (this.size <= this.limit) this.chunks.push(chunk);
  }
  get bytes(): Uint8Array | undefined {
    return this.size <= this.limit ? Buffer.concat(this.chunks) : undefined;
  }
}

/**
 * inflate decompresses for the scan, never past maxBytes; undefined when it cannot (an unknown
 * encoding, corrupt data, too large): Connect then refuses the body with its own answer.
 */
function inflate(bytes: Uint8Array, encoding: string | undefined, maxBytes: number): Uint8Array | undefined {
  try {
    if (encoding === "gzip") return gunzipSync(bytes, { maxOutputLength: maxBytes });
    if (encoding === "br") return brotliDecompressSync(bytes, { maxOutputLength: maxBytes });
  } catch {
    // Connect reads the same bytes and answers for them.
  }
  return undefined;
}
