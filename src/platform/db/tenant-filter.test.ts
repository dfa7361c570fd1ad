import { defineEntity, type EntityMetadata } from "@mikro-orm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase } from "../../../test/support/open-test-database.js";
import { AuditEvent } from "../../modules/identity/audit-event.entity.js";
import { Organisation } from "../../modules/identity/organisation.entity.js";
import { newId } from "../ids.js";
import type { Database } from "./database.js";
import { assertTenantFilter, scopeToOrganisation } from "./tenant-filter.js";

/** stamped is the create and update time of an organisation written directly, not through Provisioning. */
const stamped = () => ({ createTime: new Date(), updateTime: new Date() });

describe("tenant filter", () => {
  let db: Database | undefined;
  const orgA = newId("OR", Date.now());
  const orgB = newId("OR", Date.now());
  const eventsOf: Record<string, string[]> = { [orgA]: [], [orgB]: [] };

  const orm = () => db!.orm;

  beforeAll(async () => {
    db = await openTestDatabase("silent", "superuser");
    const seed = orm().em.fork();
    seed.create(Organisation, { id: orgA, name: "Alpha", ...stamped() });
    seed.create(Organisation, { id: orgB, name: "Beta", ...stamped() });
    await seed.flush();
    for (const org of [orgA, orgB]) {
      const em = scopeToOrganisation(orm().em.fork(), org);
      for (let i = 0; i < 3; i++) {
        const id = newId("AE", Date.now());
        em.create(AuditEvent, {
          id,
          organisation: org,
          actor: "user:US1",
          action: "api_key.create",
          outcome: "success",
          createTime: new Date(),
        });
        eventsOf[org]!.push(id);
      }
      await em.flush();
    }
  });

  afterAll(() => db?.close());

  it("throws on a query of tenant data through an EntityManager without an organisation", async () => {
    const em = orm().em.fork();
    await expect(em.find(AuditEvent, {})).rejects.toThrow(/No arguments provided for filter 'tenant'/);
    await expect(em.findOne(AuditEvent, { id: eventsOf[orgA]![0]! })).rejects.toThrow(/filter 'tenant'/);
    await expect(em.count(AuditEvent)).rejects.toThrow(/filter 'tenant'/);
    await expect(em.nativeDelete(AuditEvent, {})).rejects.toThrow(/filter 'tenant'/);
  });

  it("refuses the global EntityManager outright", async () => {
    await expect(orm().em.find(Organisation, {})).rejects.toThrow(/global EntityManager/);
  });

  it("returns only the scoped organisation's rows", async () => {
    for (const org of [orgA, orgB]) {
      const em = scopeToOrganisation(orm().em.fork(), org);
      const rows = await em.find(AuditEvent, {});
      expect(rows.map((r) => r.id).sort()).toEqual([...eventsOf[org]!].sort());
      expect(await em.count(AuditEvent)).toBe(3);
    }
  });

  it("answers findOne of another organisation's row with null", async () => {
    const em = scopeToOrganisation(orm().em.fork(), orgA);
    expect(await em.findOne(AuditEvent, eventsOf[orgB]![0]!)).toBeNull();
    expect(await em.findOne(AuditEvent, { id: eventsOf[orgA]![0]! })).not.toBeNull();
  });

  it("keeps the scope inside transactions and forks of a scoped EntityManager", async () => {
    const em = scopeToOrganisation(orm().em.fork(), orgB);
    const inTx = await em.transactional((tx) => tx.find(AuditEvent, {}));
    expect(inTx.map((r) => r.id).sort()).toEqual([...eventsOf[orgB]!].sort());
    expect(await em.fork().count(AuditEvent)).toBe(3);
  });

  it("refuses to scope to an empty organisation id", () => {
    expect(() => scopeToOrganisation(orm().em.fork(), "")).toThrow(/non-empty organisationId/);
  });

  it("refuses at discovery a tenant entity declared without the filter", () => {
    const p = defineEntity.properties;
    const Unfiltered = defineEntity({
      name: "Unfiltered",
      properties: { id: p.string().primary(), organisation: p.manyToOne(Organisation) },
    });
    expect(() => assertTenantFilter(Unfiltered.meta as EntityMetadata)).toThrow(/not the tenant filter/);
    expect(() => assertTenantFilter(AuditEvent.meta as EntityMetadata)).not.toThrow();
  });
});
