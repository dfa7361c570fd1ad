/**
 * reference-routes.ts serves the committed OpenAPI document at GET /openapi.json and the reference
 * page rendered from it at GET /docs, both public, from the API's own port.
 */
import document from "../../../openapi/openapi.json" with { type: "json" };
import type { NodeRequest, NodeResponse } from "../../rpc/one-port-listener.js";
import { type ReferenceDocument, referencePage, referenceStyleHash } from "./reference-page.js";

const documentJson = Buffer.from(JSON.stringify(document));
// Rendered on first request: a server that nobody asks for its reference never pays for it.
let page: Buffer | undefined;

const pageSecurity = {
  "content-security-policy": `default-src 'none'; style-src ${referenceStyleHash}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** serveReference answers GET (and HEAD) /openapi.json and /docs (`path`: the URL's path), and says whether it did. */
export function serveReference(req: NodeRequest, res: NodeResponse, path: string): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  let body: Buffer;
  if (path === "/openapi.json") {
    body = documentJson;
    // Public, and read by tools in browsers on other origins (editors, code generators).
    res.writeHead(200, {
      "content-type": "application/json",
      "cache-control": "public, max-age=300",
      "access-control-allow-origin": "*",
      "x-content-type-options": "nosniff",
      "content-length": body.length,
    });
  } else if (path === "/docs") {
    page ??= Buffer.from(referencePage(document as unknown as ReferenceDocument));
    body = page;
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "public, max-age=300",
      "content-length": body.length,
      ...pageSecurity,
    });
  } else {
    return false;
  }
  if (req.method === "HEAD") res.end();
  else res.end(body);
  return true;
}
