/**
 * UserService end to end on a real server, PostgreSQL and Redis: an admin adds a user, whose welcome
 * link (read from the outbox) sets their first password once; roles change and users are deactivated
 * with their sessions ending at once; the last active admin stays; only admins in a session may do
 * any of it, and only in their own organisation.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../gen/dd/v1/access_pb.js";
import { UserState } from "../gen/dd/v1/sessions_pb.js";
import { UserService } from "../gen/dd/v1/users_pb.js";
import { AuditEvent } from "../src/modules/identity/audit-event.entity.js";
import { User } from "../src/modules/identity/user.entity.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { sessionRest } from "./support/collections.js";
import { newApiKey, newOrganisation, newSignedInUser, newUser, signIn } from "./support/fixtures.js";
import { outbox, reasonOf, rest, violationsOf } from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { addUser, completeWelcome, type UserJson, welcomeTokens } from "./support/users.js";

let server: TestServer;
const clock = new TestClock();

beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(async () => server?.close());

const password = "a long enough password";

/** currentSession is the status GetCurrentSession answers with the cookie: 200 while it lives, 401 once ended. */
async function currentSession(cookie: string): Promise<number> {
  return (await sessionRest(server, "GET", "/v1/sessions/current", cookie)).status;
}

async function signInStatus(email: string, pw: string): Promise<number> {
  return (await rest(server, "POST", "/v1/sessions:signIn", undefined, { email, password: pw })).status;
}

function auditCount(organisationId: string, where: Record<string, unknown>): Promise<number> {
  return scopeToOrganisation(server.admin.em.fork(), organisationId).count(AuditEvent, where);
}

describe("adding a user", () => {
  it("emails a single-use welcome link that sets the password, after which the user signs in", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const email = "New.Member@Example.com";
    const created = await sessionRest(server, "POST", "/v1/users", admin.cookie, {
      email,
      displayName: "New Member",
      role: "ROLE_MEMBER",
    });
    expect(created.status).toBe(200);
    const user = created.body as UserJson;
    expect(user).toMatchObject({
      email: "new.member@example.com",
      displayName: "New Member",
      role: "ROLE_MEMBER",
      state: "USER_STATE_INVITED",
    });
    expect(user.id).toMatch(/^US[0-9A-Z]{26}$/);

    const mails = (await outbox(server)).filter((e) => e.to === "new.member@example.com");
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toMatch(/https:\/\/pay\.example\.test\/console\/welcome\/[A-Za-z0-9_-]{43}/);
    const [token] = await welcomeTokens(server, "new.member@example.com");
    // Only its digest is stored.
    const row = await scopeToOrganisation(server.admin.em.fork(), org).findOneOrFail(User, { id: user.id });
    expect(row.welcomeTokenDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);

    // No password works before the welcome is completed.
    expect(await signInStatus(email, "")).toBe(400);
    expect(await signInStatus(email, password)).toBe(401);

    const completed = await completeWelcome(server, token!, password);
    expect(completed.status).toBe(200);
    expect(completed.body.user).toMatchObject({ id: user.id, state: "USER_STATE_ACTIVE", role: "ROLE_MEMBER" });
    expect(completed.body.organisationName).toMatch(/^Org /);

    const member = await signIn(server, email, password);
    expect(await currentSession(member.cookie)).toBe(200);
    const got = await sessionRest(server, "GET", `/v1/users/${user.id}`, admin.cookie);
    expect(got.body.state).toBe("USER_STATE_ACTIVE");

    // Single use: the same link again is refused like one never issued, and changes nothing.
    const again = await completeWelcome(server, token!, "another long password");
    expect(again.status).toBe(404);
    const unknown = await completeWelcome(server, "A".repeat(43), "another long password");
    expect(unknown.status).toBe(404);
    expect(again.body.message).toBe(unknown.body.message);
    expect(await signInStatus(email, password)).toBe(200);

    expect(await auditCount(org, { action: "user.create", actor: `user:${admin.id}`, target: user.id })).toBe(1);
    expect(await auditCount(org, { action: "user.complete_welcome", actor: `user:${user.id}` })).toBe(1);
  });

  it("lets exactly one of two concurrent completions of a link set the password", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const { user, token } = await addUser(server, admin.cookie);
    const answers = await Promise.all([
      completeWelcome(server, token, "the first password!"),
      completeWelcome(server, token, "the second password"),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 404]);
    const won = answers[0]!.status === 200 ? "the first password!" : "the second password";
    const lost = won === "the first password!" ? "the second password" : "the first password!";
    expect(await signInStatus(user.email, won)).toBe(200);
    expect(await signInStatus(user.email, lost)).toBe(401);
    expect(await auditCount(org, { action: "user.complete_welcome" })).toBe(1);
  });

  it("refuses an expired link (after 7 days) as an unknown one", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const { user, token } = await addUser(server, admin.cookie);
    clock.advance(7 * 24 * 3600_000 + 1000);
    const answer = await completeWelcome(server, token, password);
    expect(answer.status).toBe(404);
    expect(await signInStatus(user.email, password)).toBe(401);
  });

  it("refuses a password shorter than ChangePassword accepts, naming password, and the link still works", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const { token } = await addUser(server, admin.cookie);
    const short = await completeWelcome(server, token, "too short");
    expect(short.status).toBe(400);
    expect(violationsOf(short)).toEqual(["password"]);
    expect((await completeWelcome(server, token, password)).status).toBe(200);
  });

  it("resends a welcome link: the new one works, the old one no longer does; never to a user with a password", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const { user, token: first } = await addUser(server, admin.cookie);
    const resent = await sessionRest(server, "POST", `/v1/users/${user.id}:resendWelcome`, admin.cookie, {});
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ id: user.id, state: "USER_STATE_INVITED" });
    const tokens = await welcomeTokens(server, user.email);
    expect(tokens).toHaveLength(2);
    const second = tokens[1]!;
    expect(second).not.toBe(first);
    expect((await completeWelcome(server, first, password)).status).toBe(404);
    expect((await completeWelcome(server, second, password)).status).toBe(200);
    const again = await sessionRest(server, "POST", `/v1/users/${user.id}:resendWelcome`, admin.cookie, {});
    expect([again.status, reasonOf(again)]).toEqual([400, "USER_ACTIVE"]);
    expect(await welcomeTokens(server, user.email)).toHaveLength(2);
    expect(await auditCount(org, { action: "user.resend_welcome", target: user.id })).toBe(1);
  });

  it("refuses a deactivated user's unused link", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const { user, token } = await addUser(server, admin.cookie);
    expect((await sessionRest(server, "POST", `/v1/users/${user.id}:deactivate`, admin.cookie, {})).status).toBe(200);
    expect((await completeWelcome(server, token, password)).status).toBe(404);
  });

  it("answers ALREADY_EXISTS for an email that has an account, in this organisation or another, alike", async () => {
    const [org, other] = await Promise.all([newOrganisation(server), newOrganisation(server)]);
    const admin = await newSignedInUser(server, org, "admin");
    const mine = await newUser(server, org, "viewer");
    const theirs = await newUser(server, other, "viewer");
    const same = await sessionRest(server, "POST", "/v1/users", admin.cookie, {
      email: mine.email,
      role: "ROLE_ADMIN",
    });
    const foreign = await sessionRest(server, "POST", "/v1/users", admin.cookie, {
      email: theirs.email.toUpperCase(),
      role: "ROLE_ADMIN",
    });
    expect(same.status).toBe(409);
    expect(foreign.status).toBe(409);
    expect(JSON.stringify(foreign.body)).toContain("EMAIL_TAKEN");
    expect(foreign.body.message).toBe(same.body.message);
    expect(JSON.stringify(foreign.body)).not.toContain(other);
    expect((await welcomeTokens(server, theirs.email)).length).toBe(0);
  });

  it("names each invalid field, and creates nothing", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const answer = await sessionRest(server, "POST", "/v1/users", admin.cookie, {
      email: "not an email",
      displayName: "x".repeat(201),
    });
    expect(answer.status).toBe(400);
    expect(violationsOf(answer).sort()).toEqual(["user.display_name", "user.email", "user.role"]);
    // A line break would let the admin write the welcome email's text.
    const multiline = await sessionRest(server, "POST", "/v1/users", admin.cookie, {
      email: "ok@example.com",
      role: "ROLE_MEMBER",
      displayName: "Ann\n\nClick https://evil.example to verify",
    });
    expect([multiline.status, violationsOf(multiline)]).toEqual([400, ["user.display_name"]]);
    expect(await scopeToOrganisation(server.admin.em.fork(), org).count(User, {})).toBe(1);
  });
});

describe("who may manage users", () => {
  it("refuses members and viewers PERMISSION_DENIED, and API keys, on every UserService write and read", async () => {
    const org = await newOrganisation(server);
    const [member, viewer] = await Promise.all([
      newSignedInUser(server, org, "member"),
      newSignedInUser(server, org, "viewer"),
    ]);
    const key = await newApiKey(server, org);
    for (const cookie of [member.cookie, viewer.cookie]) {
      expect((await sessionRest(server, "GET", "/v1/users", cookie)).status).toBe(403);
      expect((await sessionRest(server, "POST", "/v1/users", cookie, { email: "x@example.com", role: 2 })).status).toBe(
        403,
      );
      expect((await sessionRest(server, "POST", `/v1/users/${member.id}:deactivate`, cookie, {})).status).toBe(403);
    }
    const listed = await rest(server, "GET", "/v1/users", key.secret);
    expect(listed.status).toBe(403);
    expect(JSON.stringify(listed.body)).toContain("SESSION_REQUIRED");
    expect((await rest(server, "POST", `/v1/users/${member.id}:deactivate`, key.secret, {})).status).toBe(403);
    expect(await currentSession(member.cookie)).toBe(200);
  });

  it("answers NOT_FOUND for another organisation's user, and changes nothing", async () => {
    const [org, other] = await Promise.all([newOrganisation(server), newOrganisation(server)]);
    const admin = await newSignedInUser(server, org, "admin");
    const theirs = await newSignedInUser(server, other, "member");
    const missing = "US00000000000000000000000000";
    for (const id of [theirs.id, missing]) {
      expect((await sessionRest(server, "GET", `/v1/users/${id}`, admin.cookie)).status).toBe(404);
      const patched = await sessionRest(server, "PATCH", `/v1/users/${id}?update_mask=role`, admin.cookie, {
        role: "ROLE_VIEWER",
      });
      expect(patched.status).toBe(404);
      expect((await sessionRest(server, "POST", `/v1/users/${id}:deactivate`, admin.cookie, {})).status).toBe(404);
      expect((await sessionRest(server, "POST", `/v1/users/${id}:resendWelcome`, admin.cookie, {})).status).toBe(404);
    }
    const listed = await sessionRest(server, "GET", "/v1/users?page_size=500", admin.cookie);
    expect((listed.body.users as UserJson[]).map((u) => u.id)).toEqual([admin.id]);
    expect(await currentSession(theirs.cookie)).toBe(200);
    const row = await scopeToOrganisation(server.admin.em.fork(), other).findOneOrFail(User, { id: theirs.id });
    expect(row.role).toBe("member");
  });
});

describe("changing a user", () => {
  it("changes a role, ending the user's sessions at once; they sign in again with the new role", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const member = await newSignedInUser(server, org, "member");
    const changed = await sessionRest(server, "PATCH", `/v1/users/${member.id}?update_mask=role`, admin.cookie, {
      role: "ROLE_VIEWER",
    });
    expect(changed.status).toBe(200);
    expect(changed.body.role).toBe("ROLE_VIEWER");
    expect(await currentSession(member.cookie)).toBe(401);
    const again = await signIn(server, member.email, member.password);
    const session = await sessionRest(server, "GET", "/v1/sessions/current", again.cookie);
    expect(session.body.user.role).toBe("ROLE_VIEWER");
    expect(session.body.scopes).not.toContain("mandates:write");
    expect(await currentSession(admin.cookie)).toBe(200);
    expect(
      await auditCount(org, { action: "user.set_role", actor: `user:${admin.id}`, outcome: "member->viewer" }),
    ).toBe(1);
  });

  it("changes a display name alone without ending sessions, and refuses an unknown mask path", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const member = await newSignedInUser(server, org, "member");
    const renamed = await sessionRest(
      server,
      "PATCH",
      `/v1/users/${member.id}?update_mask=display_name`,
      admin.cookie,
      { displayName: "Renamed", role: "ROLE_ADMIN" },
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ displayName: "Renamed", role: "ROLE_MEMBER" });
    expect(await currentSession(member.cookie)).toBe(200);
    const refused = await sessionRest(server, "PATCH", `/v1/users/${member.id}?update_mask=email`, admin.cookie, {
      email: "other@example.com",
    });
    expect(refused.status).toBe(400);
    expect(violationsOf(refused)).toEqual(["update_mask"]);
  });

  it("deactivates a user, ending their sessions at once; they cannot sign in again", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const member = await newSignedInUser(server, org, "member");
    const done = await sessionRest(server, "POST", `/v1/users/${member.id}:deactivate`, admin.cookie, {});
    expect(done.status).toBe(200);
    expect(done.body.state).toBe("USER_STATE_DEACTIVATED");
    expect(done.body.deactivateTime).toBeDefined();
    expect(await currentSession(member.cookie)).toBe(401);
    expect(await signInStatus(member.email, member.password)).toBe(401);
    const twice = await sessionRest(server, "POST", `/v1/users/${member.id}:deactivate`, admin.cookie, {});
    expect(twice.status).toBe(400);
    expect(JSON.stringify(twice.body)).toContain("USER_DEACTIVATED");
    expect(await auditCount(org, { action: "user.deactivate", actor: `user:${admin.id}`, target: member.id })).toBe(1);
  });

  it("refuses to demote or deactivate the last active admin (an invited admin does not count)", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    await addUser(server, admin.cookie, "ROLE_ADMIN");
    const demote = await sessionRest(server, "PATCH", `/v1/users/${admin.id}?update_mask=role`, admin.cookie, {
      role: "ROLE_MEMBER",
    });
    expect(demote.status).toBe(400);
    expect(JSON.stringify(demote.body)).toContain("LAST_ADMIN");
    const deactivate = await sessionRest(server, "POST", `/v1/users/${admin.id}:deactivate`, admin.cookie, {});
    expect(deactivate.status).toBe(400);
    expect(JSON.stringify(deactivate.body)).toContain("LAST_ADMIN");
    expect(await currentSession(admin.cookie)).toBe(200);

    // With a second active admin, either may go.
    await newUser(server, org, "admin");
    const allowed = await sessionRest(server, "PATCH", `/v1/users/${admin.id}?update_mask=role`, admin.cookie, {
      role: "ROLE_MEMBER",
    });
    expect(allowed.status).toBe(200);
    expect(await currentSession(admin.cookie)).toBe(401);
  });

  it("lets only one of two admins demoting each other at once succeed: the other is the last admin", async () => {
    const org = await newOrganisation(server);
    const [a, b] = await Promise.all([newSignedInUser(server, org, "admin"), newSignedInUser(server, org, "admin")]);
    const answers = await Promise.all([
      sessionRest(server, "PATCH", `/v1/users/${b.id}?update_mask=role`, a.cookie, { role: "ROLE_MEMBER" }),
      sessionRest(server, "PATCH", `/v1/users/${a.id}?update_mask=role`, b.cookie, { role: "ROLE_MEMBER" }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(JSON.stringify(answers.find((r) => r.status === 400)!.body)).toContain("LAST_ADMIN");
    const admins = await scopeToOrganisation(server.admin.em.fork(), org).count(User, { role: "admin" });
    expect(admins).toBe(1);
  });
});

describe("listing users", () => {
  it("pages newest first, and shows deactivated users only when asked", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const member = await newUser(server, org, "member");
    const gone = await newUser(server, org, "viewer");
    await sessionRest(server, "POST", `/v1/users/${gone.id}:deactivate`, admin.cookie, {});

    const first = await sessionRest(server, "GET", "/v1/users?page_size=1", admin.cookie);
    expect(first.status).toBe(200);
    expect((first.body.users as UserJson[]).map((u) => u.id)).toEqual([member.id]);
    const second = await sessionRest(
      server,
      "GET",
      `/v1/users?page_size=1&page_token=${first.body.nextPageToken}`,
      admin.cookie,
    );
    expect((second.body.users as UserJson[]).map((u) => u.id)).toEqual([admin.id]);
    expect(second.body.nextPageToken ?? "").toBe("");

    const all = await sessionRest(server, "GET", "/v1/users?show_deactivated=true", admin.cookie);
    expect((all.body.users as UserJson[]).map((u) => [u.id, u.state])).toEqual([
      [gone.id, "USER_STATE_DEACTIVATED"],
      [member.id, "USER_STATE_ACTIVE"],
      [admin.id, "USER_STATE_ACTIVE"],
    ]);
    // A token is bound to the filters it was issued for.
    const mixed = await sessionRest(
      server,
      "GET",
      `/v1/users?page_size=1&show_deactivated=true&page_token=${first.body.nextPageToken}`,
      admin.cookie,
    );
    expect(mixed.status).toBe(400);
    expect(violationsOf(mixed)).toEqual(["page_token"]);
  });

  it("answers a generated Connect client too", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const client = createClient(
      UserService,
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", interceptors: [] }),
    );
    const headers = { cookie: admin.cookie };
    const created = await client.createUser(
      { user: { email: "connect-user@example.com", role: Role.VIEWER } },
      { headers: { ...headers, "idempotency-key": `create-${admin.id}` } },
    );
    expect(created.state).toBe(UserState.INVITED);
    expect((await client.getUser({ userId: created.id }, { headers })).email).toBe("connect-user@example.com");
    const error = await client.getUser({ userId: "" }, { headers }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
  });
});
