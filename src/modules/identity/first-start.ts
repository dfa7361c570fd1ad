/**
 * first-start.ts gives a newcomer something to call on the embedded default: on the very first start
 * (no organisation at all) it creates a sandbox organisation, an admin user with a random password
 * and a full-scope `dd_test_` key, and returns them so main.ts can print them once. They are printed
 * as plain text, never logged: the log pipeline must never carry a secret.
 */
import { randomBytes } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import { scopeToOrganisation } from "../../platform/db/tenant-filter.js";
import { acrossTenants } from "../../platform/db/tenant-session.js";
import type { ApiKeyManager } from "./api-key.service.js";
import { Organisation } from "./organisation.entity.js";
import type { Provisioning } from "./provisioning.js";
import { scopeNames } from "./scopes.js";

/** The first admin's email; `.test` is a reserved top-level domain, so it can never reach anyone. */
export const firstStartEmail = "admin@localhost.test";

/** FirstStartCredentials are what the first start created, secrets included: print once, never log. */
export interface FirstStartCredentials {
  organisationId: string;
  userId: string;
  apiKeyId: string;
  email: string;
  password: string;
  apiKey: string;
}

/**
 * provisionFirstStart creates the sandbox organisation, admin and key when the database has no
 * organisation, and returns them; on any later start it returns undefined and changes nothing. All
 * three are created in one transaction, so a failure leaves no organisation behind that would stop
 * the next start from trying again. Call it only on the embedded backend: a shared PostgreSQL is
 * provisioned by an operator with ddctl.
 */
export async function provisionFirstStart(
  orm: MikroORM,
  provisioning: Provisioning,
  apiKeys: ApiKeyManager,
): Promise<FirstStartCredentials | undefined> {
  return acrossTenants(orm, "provisioning", async (em) => {
    // Organisation is not a tenant entity: this counts every organisation there is.
    if ((await em.count(Organisation, {})) > 0) return undefined;
    // Payers of the sandbox see "SANDBOX" as the collecting name. No service user number: none was
    // assigned, and a made-up one would look real on the payer page and in emails; `ddctl org
    // set-bacs` adds one to preview what payers of a live organisation see.
    const organisation = await provisioning.createOrganisation(em, {
      name: "Sandbox",
      sandbox: true,
      bacsDisplayName: "SANDBOX",
    });
    // 18 random bytes are 24 base64url characters: well over the minimum, easy to copy.
    const password = randomBytes(18).toString("base64url");
    const user = await provisioning.createUser(em, {
      organisationId: organisation.id,
      email: firstStartEmail,
      role: "admin",
      password,
      displayName: "Admin",
    });
    const { key, secret } = await apiKeys.create(
      scopeToOrganisation(em, organisation.id),
      { organisationId: organisation.id, actor: "operator" },
      { name: "first-start key", scopes: scopeNames },
    );
    return {
      organisationId: organisation.id,
      userId: user.id,
      apiKeyId: key.id,
      email: user.email,
      password,
      apiKey: secret,
    };
  });
}

/** firstStartNotice is the text main.ts prints once to stdout: the sign-in, the key and a curl line. */
export function firstStartNotice(credentials: FirstStartCredentials, port: number): string {
  const rule = "=".repeat(78);
  return [
    rule,
    `First start: created the sandbox organisation "Sandbox" (${credentials.organisationId}),`,
    "an admin user and an API key with every scope. They are shown this once and will not be",
    "shown again: store them now.",
    "",
    `  sign-in email:     ${credentials.email}`,
    `  sign-in password:  ${credentials.password}`,
    `  API key:           ${credentials.apiKey}`,
    "",
    `  console:           http://localhost:${port}/console/`,
    `  curl -s localhost:${port}/v1/mandates -H "Authorization: Bearer ${credentials.apiKey}"`,
    "",
    "More users and keys: npx ddctl --help (stop the server first: the embedded database",
    "serves one process at a time).",
    rule,
    "",
  ].join("\n");
}
