import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase } from "../../../test/support/open-test-database.js";
import { systemClock } from "../../platform/clock.js";
import type { Database } from "../../platform/db/database.js";
import { acrossTenants, withTenant } from "../../platform/db/tenant-session.js";
import { ApiKey } from "./api-key.entity.js";
import { ApiKeyManager } from "./api-key.service.js";
import { apiKeyDigest } from "./api-key-format.js";
import { firstStartNotice, provisionFirstStart } from "./first-start.js";
import { Organisation } from "./organisation.entity.js";
import { PasswordHasher, verifyPassword } from "./password.js";
import { Provisioning } from "./provisioning.js";
import { scopeNames } from "./scopes.js";
import { User } from "./user.entity.js";

describe("provisionFirstStart", () => {
  let db: Database;
  const apiKeys = new ApiKeyManager({ clock: systemClock, announce: async () => undefined });
  const provisioning = new Provisioning({ clock: systemClock, passwords: new PasswordHasher() });

  beforeAll(async () => {
    db = await openTestDatabase();
  });

  afterAll(() => db?.close());

  it("creates a sandbox organisation, an admin and a full-scope test key when there is no organisation", async () => {
    const created = await provisionFirstStart(db.orm, provisioning, apiKeys);
    expect(created).toBeDefined();
    await withTenant(db.orm, created!.organisationId, async (em) => {
      const organisation = await em.findOneOrFail(Organisation, created!.organisationId);
      expect([organisation.name, organisation.sandbox]).toEqual(["Sandbox", true]);
      // What its payers see: the name, and no service user number until an operator sets one.
      expect([organisation.bacsDisplayName, organisation.serviceUserNumber]).toEqual(["SANDBOX", null]);

      const user = await em.findOneOrFail(User, created!.userId);
      expect([user.email, user.role]).toEqual(["admin@localhost.test", "admin"]);
      expect(created!.password.length).toBeGreaterThanOrEqual(16);
      expect(await verifyPassword(created!.password, user.passwordHash)).toBe(true);

      const key = await em.findOneOrFail(ApiKey, created!.apiKeyId);
      expect(created!.apiKey).toMatch(/^dd_test_/);
      expect(key.digest).toBe(apiKeyDigest(created!.apiKey));
      expect(key.scopes).toEqual([...scopeNames]);
      expect([key.createdBy, key.expireTime]).toEqual(["operator", null]);
    });
  });

  it("does nothing once any organisation exists", async () => {
    expect(await provisionFirstStart(db.orm, provisioning, apiKeys)).toBeUndefined();
    expect(await acrossTenants(db.orm, "operator command", (em) => em.count(Organisation, {}))).toBe(1);
  });

  it("writes a notice with the secrets, a curl line and the console on the given port, and that it will not be shown again", () => {
    const notice = firstStartNotice(
      {
        organisationId: "ORx",
        userId: "USx",
        apiKeyId: "AKx",
        email: "admin@localhost.test",
        password: "pw-1234567890abcdef",
        apiKey: "dd_test_abc",
      },
      8123,
    );
    expect(notice).toContain("pw-1234567890abcdef");
    expect(notice).toContain('curl -s localhost:8123/v1/mandates -H "Authorization: Bearer dd_test_abc"');
    expect(notice).toContain("http://localhost:8123/console/");
    expect(notice).toMatch(/will not be\s+shown again/);
  });
});
