/**
 * transport.ts is the one Connect-Web transport of a page: same origin, so the session cookie goes
 * with every call (fetch's default credentials) and no CORS is involved. JSON keeps calls readable in the browser's network panel.
 */
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";

/** sameOriginTransport calls the service that served the page. */
export function sameOriginTransport(): Transport {
  return createConnectTransport({ baseUrl: window.location.origin });
}
