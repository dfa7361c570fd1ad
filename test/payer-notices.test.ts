/**
 * Payer notices end to end over REST: the confirmation of the Instruction when the payer completes
 * it, the cancellation notice when an Instruction they gave is cancelled (none for one they never
 * completed), and, for an organisation that sends its own notices, the feed's events without emails.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { Notification } from "../src/modules/notifications/notification.entity.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { completeMandate, createMandate, emailsTo, newTenant, rest, type Tenant } from "./support/mandates.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const feedOf = (tenant: Tenant, mandateId: string) =>
  scopeToOrganisation(server.admin.em.fork(), tenant.organisationId).find(Notification, {
    resourceId: mandateId,
    type: { $like: "payer.%" },
  });

describe("payer notices", () => {
  it("confirm the Instruction on completion and tell the payer when it is cancelled", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    await completeMandate(server, mandate);
    const cancelled = await rest(server, "POST", `/v1/mandates/${mandate.id}:cancel`, tenant.secret, {});
    expect(cancelled.status).toBe(200);
    const subjects = (await emailsTo(server, mandate.payer.email)).map((e) => e.subject);
    expect(subjects).toHaveLength(3);
    expect(subjects[1]).toMatch(/^Your Direct Debit Instruction to /);
    expect(subjects[2]).toMatch(/^Your Direct Debit to .* is cancelled$/);
    const cancellation = (await emailsTo(server, mandate.payer.email))[2]!;
    expect(cancellation.text).toContain(`(reference ${mandate.reference}) is cancelled:`);
    expect(cancellation.text).toContain("No further payments will be taken under it.");
    expect((await feedOf(tenant, mandate.id)).map((n) => n.type).sort()).toEqual([
      "payer.cancellation_notice",
      "payer.instruction_confirmation",
    ]);
  });

  it("send no cancellation notice for an Instruction the payer never gave", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    expect((await rest(server, "POST", `/v1/mandates/${mandate.id}:cancel`, tenant.secret, {})).status).toBe(200);
    expect((await emailsTo(server, mandate.payer.email)).map((e) => e.subject)).toHaveLength(1);
    expect(await feedOf(tenant, mandate.id)).toEqual([]);
  });

  it("leave the emails to an organisation that sends its own, and tell it what to send", async () => {
    const tenant = await newTenant(server);
    const em = server.admin.em.fork();
    const organisation = await em.findOneOrFail(Organisation, tenant.organisationId);
    organisation.payerNoticesBy = "ORGANISATION";
    await em.flush();
    const mandate = await createMandate(server, tenant);
    await completeMandate(server, mandate);
    expect((await emailsTo(server, mandate.payer.email)).map((e) => e.subject)).toHaveLength(1);
    const feed = await feedOf(tenant, mandate.id);
    expect(feed.map((n) => [n.type, n.message])).toEqual([
      [
        "payer.instruction_confirmation",
        expect.stringContaining("the confirmation of their Instruction within 3 working days"),
      ],
    ]);
    const listed = await rest(
      server,
      "GET",
      `/v1/notifications?mandate_id=${mandate.id}&type=NOTIFICATION_TYPE_INSTRUCTION_CONFIRMATION`,
      tenant.secret,
    );
    expect(listed.body.notifications).toHaveLength(1);
  });
});
