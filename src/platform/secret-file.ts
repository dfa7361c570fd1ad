/**
 * secret-file.ts keeps a generated secret in a file of its own (mode 0600), for the embedded
 * defaults: a secret made on this machine is at least not in the source code, and it survives
 * restarts beside the data it protects.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** SecretFile is the secret read from `path`, and whether this call created it. */
export interface SecretFile {
  secret: string;
  created: boolean;
}

/**
 * readOrCreateSecretFile returns the secret in `path`, first writing 32 random bytes (base64url)
 * there if the file does not exist. Two processes racing to create it both end up with the one
 * that was written first (`wx` fails for the second, which then reads).
 */
export async function readOrCreateSecretFile(path: string): Promise<SecretFile> {
  const existing = await readSecret(path);
  if (existing !== undefined) return { secret: existing, created: false };
  await mkdir(dirname(path), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  try {
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return { secret, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const written = await readSecret(path);
    if (written === undefined) throw new Error(`${path} is empty`);
    return { secret: written, created: false };
  }
}

async function readSecret(path: string): Promise<string | undefined> {
  try {
    const secret = (await readFile(path, "utf8")).trim();
    if (secret === "")
      throw new Error(
        `${path} is empty: restore it from a backup, or delete it to have a new secret generated ` +
          "(what the lost one protected stays unreadable)",
      );
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
