/**
 * account-number-keys.ts decides which keys account numbers are sealed and opened with, from
 * ACCOUNT_NUMBER_KEY and ACCOUNT_NUMBER_KEYS_OLD, or on the embedded database without them, from a
 * key generated once into the data directory (config.ts refuses PostgreSQL without a key).
 */
import { join } from "node:path";
import { readOrCreateSecretFile } from "../../platform/secret-file.js";
import { type AccountNumberKeys, developmentAccountNumberKey } from "./account-number-cipher.js";

/** ResolvedAccountNumberKeys are the keys, and the file the current one came from when it was generated. */
export interface ResolvedAccountNumberKeys extends AccountNumberKeys {
  generatedKeyFile: string | undefined;
}

/**
 * resolveAccountNumberKeys returns `key` and `old` as given, or without `key`, the key in
 * `generatedKeyFile` (created on first use). Then the development key joins the old ones: account
 * numbers sealed with it before keys were generated still open, and re-encryption moves them.
 */
export async function resolveAccountNumberKeys(options: {
  key: string | undefined;
  old: readonly string[];
  generatedKeyFile: string;
}): Promise<ResolvedAccountNumberKeys> {
  if (options.key !== undefined) return { current: options.key, old: options.old, generatedKeyFile: undefined };
  const { secret } = await readOrCreateSecretFile(options.generatedKeyFile);
  return {
    current: secret,
    old: [...options.old, developmentAccountNumberKey],
    generatedKeyFile: options.generatedKeyFile,
  };
}

/** accountNumberKeyFile is where the embedded database's generated key lives: beside the data it protects. */
export function accountNumberKeyFile(dataDir: string): string {
  return join(dataDir, "account-number.key");
}
