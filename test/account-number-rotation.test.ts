/**
 * Rotating ACCOUNT_NUMBER_KEY: `ddctl account-numbers re-encrypt` re-seals every stored account
 * number and TOTP secret (pending or confirmed), across organisations and in batches, under the new
 * key; values under a key it was not given are named and left alone; a second run changes nothing.
 * Values from before key ids (v1) are moved too. Once the old key is gone, a server with the new one
 * alone signs TOTP users in with their codes.
 */
import { createCipheriv, hkdfSync, randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDdctl } from "../src/cli/run.js";
import { User } from "../src/modules/identity/user.entity.js";
import { AccountNumberCipher, accountNumberKeyId } from "../src/modules/mandates/account-number-cipher.js";
import { Mandate } from "../src/modules/mandates/mandate.entity.js";
import { WebhookEndpoint } from "../src/modules/webhooks/webhook-endpoint.entity.js";
import { withTenant } from "../src/platform/db/tenant-session.js";
import { SecretCipher } from "../src/platform/secret-cipher.js";
import { currentCode, fromBase32 } from "./support/authenticator.js";
import { newOrganisation, newUser, signIn } from "./support/fixtures.js";
import { completeMandate, createMandate, goodBankDetails, newTenant } from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer, testAccountNumberKey } from "./support/test-server.js";

const oldestKey = "rotation-test-oldest-key-0123456789abcdef";
const newKey = "rotation-test-new-key-0123456789abcdef-xyz";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** ddctl runs ddctl in this process with only `env`, as `bin/ddctl.js` would in its own. */
async function ddctl(args: readonly string[], env: Record<string, string>): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        into.push(chunk.toString("utf8"));
        callback();
      },
    });
  const code = await runDdctl(args, { env, stdin: Readable.from([]), stdout: sink(out), stderr: sink(err) });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** legacySeal writes a value as the cipher did before key ids: `v1.<iv>.<tag>.<ciphertext>`. */
function legacySeal(keyMaterial: string, accountNumber: string, mandateId: string): string {
  const key = Buffer.from(hkdfSync("sha256", keyMaterial, "dd-service", "account-number/v1", 32));
  const iv = randomBytes(12);
  const gcm = createCipheriv("aes-256-gcm", key, iv);
  gcm.setAAD(Buffer.from(mandateId, "utf8"));
  const ciphertext = Buffer.concat([gcm.update(accountNumber, "utf8"), gcm.final()]);
  return [
    "v1",
    iv.toString("base64url"),
    gcm.getAuthTag().toString("base64url"),
    ciphertext.toString("base64url"),
  ].join(".");
}

let database: TestDatabase;
let server: TestServer;
/** Moved a 30-second step before each code, so no code is refused as already used. */
const clock = new TestClock();
/** The account number each mandate holds, by mandate id. */
const expected = new Map<string, string>();

/** TotpUser is a user holding a TOTP secret, the secret as their authenticator has it. */
interface TotpUser {
  id: string;
  email: string;
  password: string;
  secret: Buffer;
}
/** Enrolled and confirmed, enrolled only, and confirmed under the oldest key (planted). */
let totpUsers: { enabled: TotpUser; pending: TotpUser; oldest: TotpUser };
/** A webhook endpoint whose secret was rotated: its current and previous secrets, as shown once. */
let webhook: { id: string; secret: string; previousSecret: string };

async function post(on: TestServer, path: string, body: unknown, cookie?: string) {
  const res = await fetch(`${on.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** totpUser makes a user and enrols them in TOTP on the server, confirming with a code when `confirm`. */
async function totpUser(organisationId: string, confirm: boolean): Promise<TotpUser> {
  const user = await newUser(server, organisationId, "member");
  const { cookie } = await signIn(server, user.email, user.password);
  const enrolment = await post(server, "/v1/sessions/current:enrollTotp", { currentPassword: user.password }, cookie);
  expect(enrolment.status).toBe(200);
  const secret = fromBase32(enrolment.body.secret as string);
  if (confirm) {
    const confirmed = await post(
      server,
      "/v1/sessions/current:confirmTotp",
      { code: currentCode(secret, clock) },
      cookie,
    );
    expect(confirmed.status).toBe(200);
  }
  return { ...user, secret };
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer({ database, clock });
  // Two organisations, three completed mandates each (sealed by the server under its key) and one
  // without bank details (nothing to re-encrypt).
  for (const tenant of [await newTenant(server), await newTenant(server)]) {
    for (let i = 0; i < 3; i++) {
      const mandate = await createMandate(server, tenant);
      await completeMandate(server, mandate);
      expected.set(mandate.id, goodBankDetails.account_number);
    }
    await createMandate(server, tenant);
  }
  // Two sealed under a key older still, one of them from before key ids.
  const [first, second] = [...expected.keys()];
  const em = server.admin.em.fork();
  const planted = [
    [first!, new AccountNumberCipher(oldestKey).seal("12345678", first!), "12345678"],
    [second!, legacySeal(oldestKey, "87654321", second!), "87654321"],
  ] as const;
  for (const [id, sealed, number] of planted) {
    await em.nativeUpdate(Mandate, { id }, { accountNumberCiphertext: sealed }, { filters: false });
    expected.set(id, number);
  }
  // TOTP secrets sealed by the server under its key, one of them not confirmed yet, and one
  // planted under the older key.
  const organisationId = await newOrganisation(server);
  const oldestUser = await newUser(server, organisationId, "member");
  const oldestSecret = Buffer.from("12345678901234567890");
  await em.nativeUpdate(
    User,
    { id: oldestUser.id },
    {
      totpSecret: new SecretCipher("totp-secret/v1", oldestKey).seal(oldestSecret, oldestUser.id),
      totpEnableTime: clock.now(),
    },
    { filters: false },
  );
  const acting = { organisationId, actor: "operator" };
  const created = await withTenant(server.database.orm, organisationId, (em) =>
    server.app.webhookEndpoints.create(em, acting, {
      url: "https://hooks.example.com/dd",
      eventTypes: ["mandate.created"],
      description: "",
      state: undefined,
    }),
  );
  const rotated = await withTenant(server.database.orm, organisationId, (em) =>
    server.app.webhookEndpoints.rotateSecret(em, acting, created.endpoint.id, 86_400),
  );
  webhook = { id: created.endpoint.id, secret: rotated.secret, previousSecret: created.secret };
  totpUsers = {
    enabled: await totpUser(organisationId, true),
    pending: await totpUser(organisationId, false),
    oldest: { ...oldestUser, secret: oldestSecret },
  };
}, 120_000);

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

/** stored reads every mandate's ciphertext as the database holds it. */
async function stored(): Promise<Map<string, string>> {
  const rows = await server.admin.em
    .fork()
    .find(Mandate, { accountNumberCiphertext: { $ne: null } }, { filters: false });
  return new Map(rows.map((row) => [row.id, row.accountNumberCiphertext!]));
}

describe("ddctl account-numbers re-encrypt", { timeout: 60_000 }, () => {
  it("refuses to run on PostgreSQL without ACCOUNT_NUMBER_KEY, in one line", async () => {
    const run = await ddctl(["account-numbers", "re-encrypt"], { ...database.env });
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd()).toMatch(/^invalid configuration: ACCOUNT_NUMBER_KEY must be set when DATABASE_URL is/);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("names what opens under no key it was given, after re-encrypting the rest", async () => {
    const run = await ddctl(["account-numbers", "re-encrypt", "--batch-size", "3"], {
      ...database.env,
      ACCOUNT_NUMBER_KEY: newKey,
      ACCOUNT_NUMBER_KEYS_OLD: testAccountNumberKey,
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd()).toMatch(
      /^ddctl account-numbers re-encrypt: failed: 2 account numbers open under no configured key \(first: mandate MD\w+\); 4 others were re-encrypted; 1 TOTP secrets open under no configured key \(first: user US\w+\); 2 others were re-sealed\. Add their key to ACCOUNT_NUMBER_KEYS_OLD/,
    );
    expect(run.stderr).toContain(`(first: user ${totpUsers.oldest.id})`);
    const after = await stored();
    const [first, second] = [...expected.keys()];
    expect(after.get(first!)).toMatch(new RegExp(`^v2\\.${accountNumberKeyId(oldestKey)}\\.`));
    expect(after.get(second!)).toMatch(/^v1\./);
  });

  it("re-encrypts everything under the new key across organisations, in batches, and then nothing", async () => {
    const env = {
      ...database.env,
      ACCOUNT_NUMBER_KEY: newKey,
      ACCOUNT_NUMBER_KEYS_OLD: `${testAccountNumberKey}, ${oldestKey}`,
    };
    const first = await ddctl(["account-numbers", "re-encrypt", "--batch-size", "2", "--json"], env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      key_id: accountNumberKeyId(newKey),
      scanned: 6,
      re_encrypted: 2,
      already_current: 4,
      changed_meanwhile: 0,
      totp_secrets_scanned: 3,
      totp_secrets_resealed: 1,
      totp_secrets_already_current: 2,
      totp_secrets_changed_meanwhile: 0,
      // Re-sealed by the run before, which failed on what no key opened but sealed the rest.
      webhook_secrets_scanned: 2,
      webhook_secrets_resealed: 0,
      webhook_secrets_already_current: 2,
      webhook_secrets_changed_meanwhile: 0,
    });
    const endpoint = await server.admin.em.fork().findOneOrFail(WebhookEndpoint, webhook.id, { filters: false });
    const webhookCipher = new SecretCipher("webhook-secret/v1", newKey);
    expect(webhookCipher.open(endpoint.secret, webhook.id).toString()).toBe(webhook.secret);
    expect(webhookCipher.open(endpoint.previousSecret!, webhook.id).toString()).toBe(webhook.previousSecret);

    const after = await stored();
    expect(after.size).toBe(6);
    const onlyNew = new AccountNumberCipher(newKey);
    for (const [id, sealed] of after) {
      expect(sealed).toMatch(new RegExp(`^v2\\.${accountNumberKeyId(newKey)}\\.`));
      expect(onlyNew.open(sealed, id)).toBe(expected.get(id));
    }

    const again = await ddctl(["account-numbers", "re-encrypt", "--json"], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      scanned: 6,
      re_encrypted: 0,
      already_current: 6,
      totp_secrets_scanned: 3,
      totp_secrets_resealed: 0,
      totp_secrets_already_current: 3,
    });
    expect(await stored()).toEqual(after);
  });

  it("leaves TOTP users signing in with their codes once the old keys are gone", async () => {
    const rotated = await startTestServer({ database, clock, accountNumberKey: newKey });
    try {
      clock.advance(30_000);
      for (const user of [totpUsers.enabled, totpUsers.oldest]) {
        const signedIn = await post(rotated, "/v1/sessions:signIn", {
          email: user.email,
          password: user.password,
          totpCode: currentCode(user.secret, clock),
        });
        expect(signedIn.status).toBe(200);
      }
      const { pending } = totpUsers;
      const { cookie } = await signIn(rotated, pending.email, pending.password);
      const code = currentCode(pending.secret, clock);
      expect((await post(rotated, "/v1/sessions/current:confirmTotp", { code }, cookie)).status).toBe(200);
    } finally {
      await rotated.close();
    }
  });

  it("refuses a batch size it cannot use", async () => {
    const run = await ddctl(["account-numbers", "re-encrypt", "--batch-size", "0"], {
      ...database.env,
      ACCOUNT_NUMBER_KEY: newKey,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--batch-size must be a whole number from 1 to 10000, got "0"/);
  });
});
