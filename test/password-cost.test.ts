/**
 * Password hashes at OWASP's scrypt cost on a real server: a user whose hash was stored at the old
 * cost (N=2^15) still signs in, and that sign-in replaces the hash with one at today's cost.
 * Each hash at N=2^17 costs about a second: the file makes four.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentPasswordCost } from "../src/modules/identity/password.js";
import { User } from "../src/modules/identity/user.entity.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { withTenant } from "../src/platform/db/tenant-session.js";
import { newOrganisation, newUser, signIn, storedHash } from "./support/fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ withoutRedis: true, passwordCost: currentPasswordCost });
});
afterAll(async () => server?.close());

const legacyHash = (password: string) => storedHash(password, 2 ** 15);

describe("password cost", () => {
  it("stores new users' passwords at N=2^17, r=8, p=1", async () => {
    const org = await newOrganisation(server);
    const user = await withTenant(server.database.orm, org, (em) =>
      server.app.provisioning.createUser(em, {
        organisationId: org,
        email: `cost-${randomBytes(4).toString("hex")}@example.com`,
        role: "member",
        password: "correct horse battery staple",
      }),
    );
    const stored = await scopeToOrganisation(server.admin.em.fork(), org).findOneOrFail(User, user.id);
    expect(stored.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
  });

  it("signs in a user with a hash at the old cost and rehashes it at the current cost", async () => {
    const org = await newOrganisation(server);
    const user = await newUser(server, org, "member");
    await server.admin.em
      .fork()
      .getConnection()
      .execute("update app_user set password_hash = ? where id = ?", [legacyHash(user.password), user.id]);
    await signIn(server, user.email, user.password);
    const stored = await scopeToOrganisation(server.admin.em.fork(), org).findOneOrFail(User, user.id);
    expect(stored.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
    // The new hash is of the same password: the user signs in with it again.
    await signIn(server, user.email, user.password);
  });
});
