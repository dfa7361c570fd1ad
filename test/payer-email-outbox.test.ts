/**
 * Payer notices go through an outbox: stored with the change they report, sent once it commits. A
 * mail relay that is down never blocks the change (the notice waits and is retried later, then
 * given up on after MAX_ATTEMPTS, loudly), and a change that rolls back never emails its payer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Mandate } from "../src/modules/mandates/mandate.entity.js";
import { PayerEmail } from "../src/modules/payer-notices/payer-email.entity.js";
import { MAX_ATTEMPTS, retryDelayMs } from "../src/modules/payer-notices/payer-email-outbox.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { withTenant } from "../src/platform/db/tenant-session.js";
import { completeMandate, createMandate, emailsTo, newTenant, rest, type Tenant } from "./support/mandates.js";
import { type Relay, startTestServerWithRelay } from "./support/relay.js";
import { TestClock } from "./support/test-clock.js";
import type { TestServer } from "./support/test-server.js";

let server: TestServer;
let relay: Relay;
const clock = new TestClock();

beforeAll(async () => {
  ({ server, relay } = await startTestServerWithRelay(clock));
});
afterAll(() => server?.close());

const storedFor = (tenant: Tenant, address: string) =>
  scopeToOrganisation(server.admin.em.fork(), tenant.organisationId).find(
    PayerEmail,
    { recipient: address },
    { orderBy: { id: "asc" } },
  );

describe("the payer email outbox", () => {
  it("waits 1 minute after a first failure, doubling up to 6 hours", () => {
    const waits = Array.from({ length: MAX_ATTEMPTS }, (_, i) => retryDelayMs(i + 1) / 60_000);
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360, 360]);
  });

  it("lets a change through while the mail relay is down, and sends its notice once it is back", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    await completeMandate(server, mandate);
    relay.down = true;
    try {
      const cancelled = await rest(server, "POST", `/v1/mandates/${mandate.id}:cancel`, tenant.secret, {});
      expect(cancelled.status).toBe(200);
      const stored = await scopeToOrganisation(server.admin.em.fork(), tenant.organisationId).findOneOrFail(
        Mandate,
        mandate.id,
      );
      expect(stored.state).toBe("CANCELLED");
      expect((await emailsTo(server, mandate.payer.email)).map((e) => e.subject)).toHaveLength(2); // invite, confirmation
      const [, waiting] = await storedFor(tenant, mandate.payer.email);
      expect(waiting).toMatchObject({
        state: "PENDING",
        attempts: 1,
        lastError: expect.stringContaining("ECONNREFUSED"),
      });
      // Not due yet: a sweep now leaves it alone even with the relay back.
      relay.down = false;
      await server.app.payerEmails.sweep();
      expect(await emailsTo(server, mandate.payer.email)).toHaveLength(2);
    } finally {
      relay.down = false;
    }
    clock.advance(retryDelayMs(1));
    expect(await server.app.payerEmails.sweep()).toBeGreaterThanOrEqual(1);
    const subjects = (await emailsTo(server, mandate.payer.email)).map((e) => e.subject);
    expect(subjects).toHaveLength(3);
    expect(subjects[2]).toMatch(/^Your Direct Debit to .* is cancelled$/);
    const [, sent] = await storedFor(tenant, mandate.payer.email);
    expect(sent).toMatchObject({ state: "SENT", attempts: 1, sentTime: expect.any(Date) });
  });

  it("gives up after MAX_ATTEMPTS failed attempts, waiting longer each time up to 6 hours", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    relay.down = true;
    try {
      await completeMandate(server, mandate);
      for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
        const [confirmation] = await storedFor(tenant, mandate.payer.email);
        expect(confirmation).toMatchObject({ state: "PENDING", attempts: attempt });
        // Due again after the attempt's delay (the clock runs on a little since the attempt).
        const wait = confirmation!.nextAttemptTime.getTime() - clock.now().getTime();
        expect(wait).toBeLessThanOrEqual(retryDelayMs(attempt));
        expect(wait).toBeGreaterThan(retryDelayMs(attempt) - 10_000);
        clock.advance(retryDelayMs(attempt));
        await server.app.payerEmails.sweep();
      }
      const [confirmation] = await storedFor(tenant, mandate.payer.email);
      expect(confirmation).toMatchObject({ state: "FAILED", attempts: MAX_ATTEMPTS });
    } finally {
      relay.down = false;
    }
    clock.advance(retryDelayMs(MAX_ATTEMPTS));
    await server.app.payerEmails.sweep();
    expect(await emailsTo(server, mandate.payer.email)).toHaveLength(1); // the invite only
  });

  it("never emails the payer of a change that rolls back, and does once it commits", async () => {
    const tenant = await newTenant(server);
    const queue = (to: string, fail: boolean) =>
      withTenant(server.database.orm, tenant.organisationId, async (em) => {
        const message = { to, subject: "A notice", text: "A notice" };
        await server.app.payerEmails.enqueue(em, tenant.organisationId, message, clock.now());
        if (fail) throw new Error("the change failed after its notice was queued");
      });
    const undone = `rolled-back-${Date.now()}@example.com`;
    await expect(queue(undone, true)).rejects.toThrow("the change failed");
    expect(await emailsTo(server, undone)).toEqual([]);
    expect(await storedFor(tenant, undone)).toEqual([]);
    const done = `committed-${Date.now()}@example.com`;
    await queue(done, false);
    expect((await emailsTo(server, done)).map((e) => e.subject)).toEqual(["A notice"]);
    expect(await storedFor(tenant, done)).toMatchObject([{ state: "SENT" }]);
  });
});
