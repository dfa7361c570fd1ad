/**
 * Rotating ACCOUNT_NUMBER_KEY: `ddctl account-numbers re-encrypt` re-seals every stored account
 * number, across organisations and in batches, under the new key; values under a key it was not
 * given are named and left alone; a second run changes nothing. Values from before key ids (v1)
 * are moved too.
 */
import { createCipheriv, hkdfSync, randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDdctl } from "../src/cli/run.js";
import { AccountNumberCipher, accountNumberKeyId } from "../src/modules/mandates/account-number-cipher.js";
import { Mandate } from "../src/modules/mandates/mandate.entity.js";
import { completeMandate, createMandate, goodBankDetails, newTenant } from "./support/mandates.js";
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
/** The account number each mandate holds, by mandate id. */
const expected = new Map<string, string>();

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer({ database });
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
      /^ddctl account-numbers re-encrypt: failed: 2 account numbers open under no configured key \(first: mandate MD\w+\); 4 others were re-encrypted/,
    );
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
    });

    const after = await stored();
    expect(after.size).toBe(6);
    const onlyNew = new AccountNumberCipher(newKey);
    for (const [id, sealed] of after) {
      expect(sealed).toMatch(new RegExp(`^v2\\.${accountNumberKeyId(newKey)}\\.`));
      expect(onlyNew.open(sealed, id)).toBe(expected.get(id));
    }

    const again = await ddctl(["account-numbers", "re-encrypt", "--json"], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ scanned: 6, re_encrypted: 0, already_current: 6 });
    expect(await stored()).toEqual(after);
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
