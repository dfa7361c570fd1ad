import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AccountNumberCipher, developmentAccountNumberKey } from "./account-number-cipher.js";
import { accountNumberKeyFile, resolveAccountNumberKeys } from "./account-number-keys.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dd-keys-"));
  dirs.push(dir);
  return join(dir, "data");
}

describe("resolveAccountNumberKeys", () => {
  it("uses ACCOUNT_NUMBER_KEY and the old keys as given, and writes no file", async () => {
    const dir = await dataDir();
    const keys = await resolveAccountNumberKeys({
      key: "k".repeat(32),
      old: ["o".repeat(32)],
      generatedKeyFile: accountNumberKeyFile(dir),
    });
    expect(keys).toEqual({ current: "k".repeat(32), old: ["o".repeat(32)], generatedKeyFile: undefined });
    await expect(stat(accountNumberKeyFile(dir))).rejects.toThrow(/ENOENT/);
  });

  it("without a key, generates one into the data directory (0600) and keeps it across starts", async () => {
    const file = accountNumberKeyFile(await dataDir());
    const first = await resolveAccountNumberKeys({ key: undefined, old: [], generatedKeyFile: file });
    expect(first.generatedKeyFile).toBe(file);
    expect(first.current).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, "utf8")).trim()).toBe(first.current);
    const second = await resolveAccountNumberKeys({ key: undefined, old: [], generatedKeyFile: file });
    expect(second.current).toBe(first.current);
  });

  it("without a key, still opens what the development key sealed before keys were generated", async () => {
    const file = accountNumberKeyFile(await dataDir());
    const before = new AccountNumberCipher(developmentAccountNumberKey).seal("31926819", "MD1");
    const keys = await resolveAccountNumberKeys({ key: undefined, old: [], generatedKeyFile: file });
    const cipher = new AccountNumberCipher(keys.current, keys.old);
    expect(cipher.open(before, "MD1")).toBe("31926819");
    expect(cipher.isCurrent(before)).toBe(false);
  });

  it("refuses an empty key file rather than replacing the key the data was sealed with", async () => {
    const dir = await dataDir();
    await resolveAccountNumberKeys({ key: undefined, old: [], generatedKeyFile: accountNumberKeyFile(dir) });
    await writeFile(accountNumberKeyFile(dir), "\n");
    await expect(
      resolveAccountNumberKeys({ key: undefined, old: [], generatedKeyFile: accountNumberKeyFile(dir) }),
    ).rejects.toThrow(/is empty/);
  });
});
