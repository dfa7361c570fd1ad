/**
 * api-key-format.ts makes and checks the shape of API keys: `dd_live_` or `dd_test_` (sandbox), 32
 * random base62 characters (190 bits), then a 6-character base62 CRC32 of everything before it.
 * Like GitHub's tokens, secret scanners can recognise a key and check it offline, and we refuse a
 * mistyped key without touching the database. Keys are stored only as SHA-256 digests: with 190
 * random bits a slow hash buys nothing, and lookup by digest means no secret is compared byte by byte.
 */
import { hash, randomInt } from "node:crypto";
import { crc32 } from "node:zlib";

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const randomLength = 32;
const checksumLength = 6;
const keyPattern = /^dd_(live|test)_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;

export type KeyEnvironment = "live" | "test";

/** generateApiKey returns a new secret for a live or sandbox organisation. */
export function generateApiKey(environment: KeyEnvironment): string {
  let random = "";
  for (let i = 0; i < randomLength; i++) random += alphabet[randomInt(alphabet.length)];
  const body = `dd_${environment}_${random}`;
  return body + checksum(body);
}

/** isWellFormedApiKey checks the prefix, length, alphabet and checksum; no lookup. */
export function isWellFormedApiKey(secret: string): boolean {
  const match = keyPattern.exec(secret);
  return match !== null && checksum(secret.slice(0, -checksumLength)) === match[3];
}

/** apiKeyDigest is the SHA-256 (hex) under which a key is stored and looked up. */
export function apiKeyDigest(secret: string): string {
  // One-shot hash: no Hash object per request (it showed in CPU profiles of the request path).
  return hash("sha256", secret, "hex");
}

/** displayPrefix is what lists show to tell keys apart: the prefix and 4 random characters. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, "dd_live_".length + 4);
}

function checksum(body: string): string {
  let value = crc32(body);
  let out = "";
  for (let i = 0; i < checksumLength; i++) {
    out = alphabet[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}
