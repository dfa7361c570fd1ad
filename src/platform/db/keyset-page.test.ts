import type { EntityManager } from "@mikro-orm/core";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/test-database.js";
import { entities } from "../../entities.js";
import { AuditEvent } from "../../modules/identity/audit-event.entity.js";
import { Organisation } from "../../modules/identity/organisation.entity.js";
import { newId } from "../ids.js";
import { type Database, openDatabase } from "./database.js";
import { findPage, pageOf } from "./keyset-page.js";
import { scopeToOrganisation } from "./tenant-filter.js";

type Row = { actor: string; action: string; id: string };
type ActorCursor = { actor: string; id: string };

/** Newest-first order by (actor, id), as PostgreSQL sorts these ASCII letters and digits. */
const descending = (a: Row, b: Row) => (a.actor === b.actor ? (a.id < b.id ? 1 : -1) : a.actor < b.actor ? 1 : -1);

describe("findPage", () => {
  let testDb: TestDatabase | undefined;
  let db: Database | undefined;
  const orgA = newId("OR", Date.now());
  const orgB = newId("OR", Date.now());
  // Runs of equal actors (4, 3, 2) so that pages of 3 end inside a run: ties on the first key.
  const rowsOfA: Row[] = [];

  const scoped = (org = orgA): EntityManager => scopeToOrganisation(db!.orm.em.fork(), org);
  const ids = (rows: readonly { id: string }[]) => rows.map((row) => row.id);

  async function walk(size: number, where: object = {}) {
    const pages: { ids: string[]; hasMore: boolean }[] = [];
    let after: ActorCursor | undefined;
    for (;;) {
      const page = await findPage(scoped(), AuditEvent, where, { orderBy: ["actor", "id"], size, after });
      pages.push({ ids: ids(page.items), hasMore: page.hasMore });
      if (!page.hasMore) return pages;
      after = page.cursor;
    }
  }

  beforeAll(async () => {
    testDb = await createTestDatabase();
    // As the superuser: this tests paging, with row-level security out of the way.
    db = await openDatabase({
      entities,
      databaseUrl: testDb.adminUrl,
      dataDir: ".data",
      logger: pino({ level: "silent" }),
    });
    const seed = db.orm.em.fork();
    seed.create(Organisation, { id: orgA, name: "Alpha", createTime: new Date(), updateTime: new Date() });
    seed.create(Organisation, { id: orgB, name: "Beta", createTime: new Date(), updateTime: new Date() });
    await seed.flush();
    const actors = ["c", "c", "c", "c", "b", "b", "b", "a", "a"];
    const em = scoped();
    actors.forEach((actor, index) => {
      const row = { id: newId("AE", Date.now()), actor, action: index % 2 === 0 ? "even" : "odd" };
      em.create(AuditEvent, { ...row, organisation: orgA, outcome: "success", createTime: new Date() });
      rowsOfA.push(row);
    });
    await em.flush();
    // Another organisation's rows sort among them: the tenant filter must keep them out of every page.
    const other = scoped(orgB);
    for (const actor of ["c", "b", "a"])
      other.create(AuditEvent, {
        id: newId("AE", Date.now()),
        actor,
        action: "even",
        organisation: orgB,
        outcome: "success",
        createTime: new Date(),
      });
    await other.flush();
    rowsOfA.sort(descending);
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it("pages through a two-key order with ties on the first key, each row once, in order", async () => {
    const pages = await walk(2);
    expect(pages.flatMap((page) => page.ids)).toEqual(ids(rowsOfA));
    expect(pages.map((page) => page.ids.length)).toEqual([2, 2, 2, 2, 1]);
  });

  it("ends on an exact page boundary without an empty page after it", async () => {
    const pages = await walk(3);
    expect(pages).toEqual([
      { ids: ids(rowsOfA.slice(0, 3)), hasMore: true },
      { ids: ids(rowsOfA.slice(3, 6)), hasMore: true },
      { ids: ids(rowsOfA.slice(6, 9)), hasMore: false },
    ]);
    expect(await walk(9)).toEqual([{ ids: ids(rowsOfA), hasMore: false }]);
  });

  it("gives the cursor of the last item: its order-by keys and nothing else", async () => {
    const page = await findPage(scoped(), AuditEvent, {}, { orderBy: ["actor", "id"], size: 5, after: undefined });
    const last = rowsOfA[4]!;
    expect(page.cursor).toEqual({ actor: last.actor, id: last.id });
  });

  it("answers an empty page after the last row, and for a filter nothing matches", async () => {
    const last = rowsOfA.at(-1)!;
    const after = { actor: last.actor, id: last.id };
    const past = await findPage(scoped(), AuditEvent, {}, { orderBy: ["actor", "id"], size: 3, after });
    expect(past).toEqual({ items: [], hasMore: false, cursor: undefined });
    const none = await findPage(
      scoped(),
      AuditEvent,
      { action: "none" },
      { orderBy: ["id"], size: 3, after: undefined },
    );
    expect(none).toEqual({ items: [], hasMore: false, cursor: undefined });
  });

  it("keeps the caller's conditions alongside the cursor", async () => {
    const odd = rowsOfA.filter((row) => row.action === "odd");
    const pages = await walk(1, { action: "odd" });
    expect(pages.flatMap((page) => page.ids)).toEqual(ids(odd));
  });

  it("pages by id alone, newest first", async () => {
    const newestFirst = ids(rowsOfA).sort().reverse();
    const first = await findPage(scoped(), AuditEvent, {}, { orderBy: ["id"], size: 4, after: undefined });
    expect(ids(first.items)).toEqual(newestFirst.slice(0, 4));
    expect(first.cursor).toEqual({ id: newestFirst[3] });
    const rest = await findPage(scoped(), AuditEvent, {}, { orderBy: ["id"], size: 10, after: first.cursor });
    expect(ids(rest.items)).toEqual(newestFirst.slice(4));
    expect(rest.hasMore).toBe(false);
  });

  it("refuses a page size below one", async () => {
    await expect(findPage(scoped(), AuditEvent, {}, { orderBy: ["id"], size: 0, after: undefined })).rejects.toThrow(
      RangeError,
    );
  });
});

describe("pageOf", () => {
  const cursorOf = (n: number) => ({ n });

  it("says more follow when the query found one row more than the page holds", () => {
    expect(pageOf([5, 4, 3], 2, cursorOf)).toEqual({ items: [5, 4], hasMore: true, cursor: { n: 4 } });
    expect(pageOf([5, 4], 2, cursorOf)).toEqual({ items: [5, 4], hasMore: false, cursor: { n: 4 } });
    expect(pageOf([], 2, cursorOf)).toEqual({ items: [], hasMore: false, cursor: undefined });
  });
});
