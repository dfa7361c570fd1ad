/**
 * A write that locks a mandate and then one of its schedules (UpdateCollectionSchedule, a mandate's
 * closure) must not deadlock with the materialiser, which holds a schedule's lock while it inserts a
 * collection under the schedule's mandate. The test plays the materialiser by hand: it locks the
 * schedule, waits until the request is queued behind that lock (holding the mandate's), then inserts
 * a collection of the mandate. The mandate's lock lets the insert's foreign key check through, so
 * both finish; under FOR UPDATE PostgreSQL would abort one of them as a deadlock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../src/platform/ids.js";
import { createSchedule, sessionRest, withAdmin } from "./support/collections.js";
import { mandateIn, newTenant } from "./support/mandates.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe("mandate then schedule, against the materialiser", () => {
  it("lets a schedule change and a collection insert under the held schedule both finish", async () => {
    const tenant = await newTenant(server);
    const staff = await withAdmin(server, tenant);
    const mandate = await mandateIn(server, tenant, "ACTIVE");
    const start = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    const schedule = await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "10000",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: start,
      day_of_month: 1,
    });
    const knex = server.admin.em.getConnection().getKnex();
    const materialiser = await knex.transaction();
    try {
      await materialiser.raw(`select "id" from "collection_schedule" where "id" = ? for update`, [schedule.id]);
      const change = sessionRest(
        server,
        "PATCH",
        `/v1/collectionSchedules/${schedule.id}?update_mask=amount_minor`,
        staff.cookie,
        { amount_minor: "12000" },
      );
      // Wait until the request waits for the schedule's lock: it holds the mandate's by then.
      for (let waiting = 0; waiting === 0; ) {
        const rows = await knex.raw(
          `select count(*)::int as n from pg_stat_activity
            where wait_event_type = 'Lock' and query like '%collection_schedule%' and pid <> pg_backend_pid()`,
        );
        waiting = rows.rows[0].n;
        if (waiting === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const now = new Date();
      await materialiser("collection").insert({
        id: newId("CL", now.getTime()),
        organisation_id: tenant.organisationId,
        mandate_id: mandate.id,
        schedule_id: schedule.id,
        amount_minor: 10000,
        currency: "GBP",
        charge_date: start,
        original_charge_date: start,
        notice_date: start,
        state: "CANCELLED",
        description: "",
        state_change_time: now,
        create_time: now,
        update_time: now,
      });
      await materialiser.commit();
      const answer = await change;
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    } finally {
      if (!materialiser.isCompleted()) await materialiser.rollback();
    }
  });
});
