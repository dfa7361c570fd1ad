/**
 * A failed sign-in takes as long whether or not the email has an account, also for a user whose
 * password hash was stored at an older, cheaper scrypt cost: otherwise the answer's timing would tell
 * an attacker which emails have accounts. An unknown email is checked against a decoy hash at today's
 * cost; an old hash is checked while the password is hashed at today's cost (PasswordHasher.check).
 *
 * Wall-clock ratios on a real server, so the file is in the timing suite (one file at a time). Each
 * sign-in costs about a second of scrypt; the file makes about twenty.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentPasswordCost, PasswordHasher } from "../../src/modules/identity/password.js";
import { newOrganisation, newUser, storedHash } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ withoutRedis: true, passwordCost: currentPasswordCost });
});
afterAll(async () => server?.close());

const legacyHash = (password: string) => storedHash(password, 2 ** 15);

/** failedSignInMs signs in with a wrong password and returns how long the refusal took. */
async function failedSignInMs(email: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.baseUrl}/v1/sessions:signIn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "not the password at all" }),
  });
  await res.arrayBuffer();
  expect(res.status).toBe(401);
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe("sign-in timing", () => {
  it("refuses an unknown email, a current hash and an old hash in about the same time", async () => {
    const org = await newOrganisation(server);
    const current = await newUser(server, org, "member");
    const legacy = await newUser(server, org, "member");
    // Fixture users' hashes are cheap (N=2^10): these two get today's cost and the old one.
    const connection = server.admin.em.fork().getConnection();
    const setHash = (id: string, hash: string) =>
      connection.execute("update app_user set password_hash = ? where id = ?", [hash, id]);
    await setHash(current.id, await new PasswordHasher().hash(current.password));
    await setHash(legacy.id, legacyHash(legacy.password));
    const unknown = `nobody-${randomBytes(4).toString("hex")}@example.com`;

    // Interleaved, so a change in the machine's load falls on all three alike; 5 of each stays under
    // the per-email throttle (10 in 15 minutes).
    const times = { unknown: [] as number[], current: [] as number[], legacy: [] as number[] };
    await failedSignInMs(unknown); // warms the decoy hash and the connection
    for (let round = 0; round < 5; round++) {
      times.unknown.push(await failedSignInMs(unknown));
      times.current.push(await failedSignInMs(current.email));
      times.legacy.push(await failedSignInMs(legacy.email));
    }
    const ms = { unknown: median(times.unknown), current: median(times.current), legacy: median(times.legacy) };
    console.log(
      `median refusal: unknown email ${ms.unknown.toFixed(0)} ms, current hash ${ms.current.toFixed(0)} ms, ` +
        `old hash ${ms.legacy.toFixed(0)} ms (old/unknown ${(ms.legacy / ms.unknown).toFixed(2)})`,
    );
    // An old hash alone (N=2^15) costs about a quarter of the decoy (N=2^17).
    expect(ms.legacy / ms.unknown).toBeGreaterThan(0.75);
    expect(ms.current / ms.unknown).toBeGreaterThan(0.75);
  });
});
