/**
 * AuditService end to end on a real server: an admin reads the organisation's audit log newest
 * first, filtered by actor, action and time, a page at a time; invalid times name their field; only
 * admins in a session read it, and only their own organisation's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionRest } from "./support/collections.js";
import { newApiKey, newOrganisation, newSignedInUser } from "./support/fixtures.js";
import { rest, violationsOf } from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { addUser } from "./support/users.js";

let server: TestServer;
const clock = new TestClock();

beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(async () => server?.close());

interface AuditEventJson {
  id: string;
  actor: string;
  action: string;
  target?: string;
  outcome: string;
  clientAddress?: string;
  count: number;
  createTime: string;
}

async function list(cookie: string, query: string): Promise<{ status: number; body: any }> {
  return sessionRest(server, "GET", `/v1/auditEvents${query}`, cookie);
}

function events(answer: { body: any }): AuditEventJson[] {
  return (answer.body.auditEvents ?? []) as AuditEventJson[];
}

/**
 * anOrganisationWithHistory: an admin signs in (session.sign_in), then a minute later adds a user
 * (user.create), then a minute later changes their role (user.set_role): three events at known times.
 */
async function anOrganisationWithHistory() {
  const org = await newOrganisation(server);
  const admin = await newSignedInUser(server, org, "admin");
  clock.advance(60_000);
  const createdAt = clock.now();
  const { user } = await addUser(server, admin.cookie);
  clock.advance(60_000);
  const changedAt = clock.now();
  const changed = await sessionRest(server, "PATCH", `/v1/users/${user.id}?update_mask=role`, admin.cookie, {
    role: "ROLE_VIEWER",
  });
  if (changed.status !== 200) throw new Error(`fixture: role change answered ${changed.status}`);
  return { org, admin, user, createdAt, changedAt };
}

describe("listing audit events", () => {
  it("lists the organisation's events newest first, as stored, with the acting admin", async () => {
    const { admin, user } = await anOrganisationWithHistory();
    const answer = await list(admin.cookie, "");
    expect(answer.status).toBe(200);
    const got = events(answer);
    expect(got.map((e) => e.action)).toEqual(["user.set_role", "user.create", "session.sign_in"]);
    expect(got[0]).toMatchObject({
      actor: `user:${admin.id}`,
      target: user.id,
      outcome: "member->viewer",
      count: 1,
      clientAddress: "127.0.0.1",
    });
    expect(got[0]!.id).toMatch(/^AE[0-9A-Z]{26}$/);
    expect(Date.parse(got[0]!.createTime)).toBeGreaterThan(Date.parse(got[1]!.createTime));
  });

  it("filters by actor and by action", async () => {
    const { admin, user } = await anOrganisationWithHistory();
    const byAction = await list(admin.cookie, "?action=user.create");
    expect(events(byAction).map((e) => [e.action, e.target])).toEqual([["user.create", user.id]]);
    const byActor = await list(admin.cookie, `?actor=${encodeURIComponent(`user:${admin.id}`)}`);
    expect(events(byActor).map((e) => e.action)).toEqual(["user.set_role", "user.create", "session.sign_in"]);
    const nobody = await list(admin.cookie, `?actor=user:${user.id}`);
    expect(nobody.status).toBe(200);
    expect(events(nobody)).toEqual([]);
    const both = await list(admin.cookie, `?actor=user:${admin.id}&action=session.sign_in`);
    expect(events(both).map((e) => e.action)).toEqual(["session.sign_in"]);
  });

  it("filters by time: since inclusive, until exclusive", async () => {
    const { admin, createdAt, changedAt } = await anOrganisationWithHistory();
    const since = await list(admin.cookie, `?since=${createdAt.toISOString()}`);
    expect(events(since).map((e) => e.action)).toEqual(["user.set_role", "user.create"]);
    const until = await list(admin.cookie, `?until=${changedAt.toISOString()}`);
    expect(events(until).map((e) => e.action)).toEqual(["user.create", "session.sign_in"]);
    const between = await list(admin.cookie, `?since=${createdAt.toISOString()}&until=${changedAt.toISOString()}`);
    expect(events(between).map((e) => e.action)).toEqual(["user.create"]);
  });

  it("pages with page_size and page_token, each event once, and binds a token to its filters", async () => {
    const { admin } = await anOrganisationWithHistory();
    const first = await list(admin.cookie, "?page_size=2");
    expect(events(first).map((e) => e.action)).toEqual(["user.set_role", "user.create"]);
    const token = first.body.nextPageToken as string;
    expect(token).not.toBe("");
    const second = await list(admin.cookie, `?page_size=2&page_token=${token}`);
    expect(events(second).map((e) => e.action)).toEqual(["session.sign_in"]);
    expect(second.body.nextPageToken ?? "").toBe("");
    const otherFilter = await list(admin.cookie, `?page_size=2&action=user.create&page_token=${token}`);
    expect(otherFilter.status).toBe(400);
    expect(violationsOf(otherFilter)).toEqual(["page_token"]);
  });

  it("refuses an invalid since or until, naming the field", async () => {
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const badSince = await list(admin.cookie, "?since=yesterday");
    expect(badSince.status).toBe(400);
    expect(violationsOf(badSince)).toEqual(["since"]);
    const badUntil = await list(admin.cookie, "?until=2026-13-01T00:00:00Z");
    expect(badUntil.status).toBe(400);
    expect(violationsOf(badUntil)).toEqual(["until"]);
    const reversed = await list(admin.cookie, "?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z");
    expect(reversed.status).toBe(400);
    expect(violationsOf(reversed)).toEqual(["until"]);
  });
});

describe("who may read the audit log", () => {
  it("refuses members and viewers PERMISSION_DENIED, and API keys", async () => {
    const org = await newOrganisation(server);
    const [member, viewer] = await Promise.all([
      newSignedInUser(server, org, "member"),
      newSignedInUser(server, org, "viewer"),
    ]);
    const key = await newApiKey(server, org);
    expect((await list(member.cookie, "")).status).toBe(403);
    expect((await list(viewer.cookie, "")).status).toBe(403);
    const byKey = await rest(server, "GET", "/v1/auditEvents", key.secret);
    expect(byKey.status).toBe(403);
    expect(JSON.stringify(byKey.body)).toContain("SESSION_REQUIRED");
  });

  it("shows an admin none of another organisation's events, even filtered by its actor", async () => {
    const theirs = await anOrganisationWithHistory();
    const org = await newOrganisation(server);
    const admin = await newSignedInUser(server, org, "admin");
    const all = await list(admin.cookie, "?page_size=500");
    expect(events(all).map((e) => e.actor)).toEqual([`user:${admin.id}`]);
    const filtered = await list(admin.cookie, `?actor=user:${theirs.admin.id}`);
    expect(filtered.status).toBe(200);
    expect(events(filtered)).toEqual([]);
  });
});
