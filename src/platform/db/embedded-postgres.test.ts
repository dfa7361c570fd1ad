import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entities } from "../../entities.js";
import { Organisation } from "../../modules/identity/organisation.entity.js";
import { newId } from "../ids.js";
import { withoutCompositeReferenceUndo } from "./composite-references.js";
import { type Database, openDatabase } from "./database.js";
import { startEmbeddedPostgres } from "./embedded-postgres.js";
import { migrations } from "./migrations/index.js";

/** stamped is the create and update time of an organisation written directly, not through Provisioning. */
const stamped = () => ({ createTime: new Date(), updateTime: new Date() });

const logger = pino({ level: "silent" });

// PGlite starts a WebAssembly PostgreSQL (seconds of CPU): on a loaded machine far more than the
// suite's 30 s default, which only bounds a hang.
describe("embedded PostgreSQL", { timeout: 180_000 }, () => {
  let dataDir: string;
  const open: Database[] = [];

  const openEmbedded = async () => {
    const db = await openDatabase({ entities, dataDir, logger });
    open.push(db);
    return db;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "dd-embedded-"));
  });

  afterAll(async () => {
    for (const db of open) await db.close().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("listens on a free port on 127.0.0.1 and stops cleanly", async () => {
    const pg = await startEmbeddedPostgres({ dataDir: join(dataDir, "standalone"), logger });
    try {
      expect(pg.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(new URL(pg.url).port).not.toBe("5432");
    } finally {
      await pg.close();
    }
  });

  it("migrates on open and keeps the data across a restart", async () => {
    const id = newId("OR", Date.now());
    const first = await openEmbedded();
    expect(first.backend).toBe("embedded");
    const executed = await first.orm.getMigrator().getExecutedMigrations();
    expect(executed.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
    const em = first.orm.em.fork();
    em.create(Organisation, { id, name: "Persistent Ltd", sandbox: true, ...stamped() });
    await em.flush();
    await first.close();

    const second = await openEmbedded();
    expect(await second.orm.getMigrator().getPendingMigrations()).toEqual([]);
    const found = await second.orm.em.fork().findOne(Organisation, id);
    expect(found).toMatchObject({
      id,
      name: "Persistent Ltd",
      sandbox: true,
      rateLimitPerMinute: 1000,
      rateLimitBurst: 100,
    });
    expect(withoutCompositeReferenceUndo(await second.orm.schema.getUpdateSchemaSQL({ wrap: false }))).toBe("");
    await second.close();
  });

  it("serves concurrent work, transactions included, through its one connection", async () => {
    const db = await openEmbedded();
    const ids = Array.from({ length: 5 }, () => newId("OR", Date.now()));
    await Promise.all(
      ids.map((id, i) =>
        db.orm.em.fork().transactional(async (tx) => {
          tx.create(Organisation, { id, name: `Concurrent ${i}`, ...stamped() });
          await tx.flush();
          expect(await tx.count(Organisation, { id })).toBe(1);
        }),
      ),
    );
    const duplicate = db.orm.em.fork().transactional(async (tx) => {
      tx.create(Organisation, { id: ids[0]!, name: "Duplicate", ...stamped() });
    });
    await expect(duplicate).rejects.toThrow(/duplicate key/);
    expect(await db.orm.em.fork().count(Organisation, { id: { $in: ids } })).toBe(5);
    await db.close();
  });

  it("refuses a second open of a data directory that is in use", async () => {
    const db = await openEmbedded();
    await expect(openDatabase({ entities, dataDir, logger })).rejects.toThrow(/in use by process/);
    await db.close();
  });
});
