/**
 * webhook.ts checks a webhook delivery's DD-Signature header: `t=<unix seconds>,v1=<hex>` with one
 * v1 per signing secret in force (two during a rotation), each the HMAC-SHA256 of "<t>.<raw body>".
 * Web Crypto only, so it runs in Node 20+ and in browsers and edge runtimes alike.
 */

/** verifyWebhook says whether `rawBody` was signed with one of `secrets` within `toleranceSeconds` (default 300) of now. */
export async function verifyWebhook(
  rawBody: string | Uint8Array,
  signatureHeader: string,
  secrets: readonly string[],
  { toleranceSeconds = 300, nowSeconds = Math.floor(Date.now() / 1000) } = {},
): Promise<boolean> {
  const parts = signatureHeader.split(",").map((part) => part.trim().split("="));
  const t = parts.find(([key]) => key === "t")?.[1];
  const signatures = parts.filter(([key, value]) => key === "v1" && value).map(([, value]) => value!.toLowerCase());
  if (t === undefined || !/^\d+$/.test(t) || signatures.length === 0) return false;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) throw new RangeError("toleranceSeconds must be ≥ 0");
  // Older (or from further ahead) than the tolerance: a replay, or a clock to fix.
  if (Math.abs(nowSeconds - Number(t)) > toleranceSeconds) return false;
  const body = typeof rawBody === "string" ? new TextEncoder().encode(rawBody) : rawBody;
  const signed = new Uint8Array([...new TextEncoder().encode(`${t}.`), ...body]);
  let valid = false;
  for (const secret of secrets) {
    if (secret === "") continue;
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const expected = hex(new Uint8Array(await crypto.subtle.sign("HMAC", key, signed)));
    // Every signature against every secret, in constant time: no early exit tells which came close.
    for (const signature of signatures) valid = constantTimeEqual(expected, signature) || valid;
  }
  return valid;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** constantTimeEqual compares two strings in time that depends on their lengths only. */
function constantTimeEqual(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i % Math.max(1, b.length));
  return difference === 0;
}
