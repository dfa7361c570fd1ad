/**
 * cors.ts lets configured browser origins call us with Connect-Web and REST. Credentials (the session
 * cookie) are allowed, so the origin is echoed only when it is on the list: never "*". Rate-limit,
 * Retry-After, request-id and Idempotent-Replayed headers are exposed so browser clients can back off and report.
 */
import { cors as connectCors } from "@connectrpc/connect";
import type { NodeRequest, NodeResponse } from "./one-port-listener.js";

const allowedMethods = [...new Set([...connectCors.allowedMethods, "GET", "POST", "PATCH", "PUT", "DELETE"])];
const allowedHeaders = [...connectCors.allowedHeaders, "Authorization", "Idempotency-Key", "X-Request-Id"];
const exposedHeaders = [
  ...connectCors.exposedHeaders,
  "RateLimit",
  "RateLimit-Policy",
  "Retry-After",
  "X-Request-Id",
  "WWW-Authenticate",
  "Idempotent-Replayed",
];

/** createCors returns a function that sets CORS headers and answers preflights; true means answered. */
export function createCors(origins: readonly string[]): (req: NodeRequest, res: NodeResponse) => boolean {
  const allowed = new Set(origins);
  return (req, res) => {
    const origin = req.headers.origin;
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    if (typeof origin !== "string" || !allowed.has(origin)) {
      if (preflight) {
        res.writeHead(403, { vary: "Origin" }).end();
        return true;
      }
      return false;
    }
    res.setHeader("vary", "Origin");
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-allow-credentials", "true");
    if (!preflight) {
      res.setHeader("access-control-expose-headers", exposedHeaders.join(", "));
      return false;
    }
    res.setHeader("access-control-allow-methods", allowedMethods.join(", "));
    res.setHeader("access-control-allow-headers", allowedHeaders.join(", "));
    res.setHeader("access-control-max-age", "7200");
    res.writeHead(204).end();
    return true;
  };
}
