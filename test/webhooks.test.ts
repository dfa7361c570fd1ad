/**
 * Webhooks end to end, against a real receiver (an HTTP server of the test): endpoints managed by a
 * signed-in admin over REST, events published from the feed and delivered signed, retried with
 * growing gaps, refused for private addresses unless allowed, signed by both secrets during a
 * rotation's grace period, delivered once by two replicas, and not lost when a replica dies.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "../clients/typescript/src/webhook.js";
import { recordNotification } from "../src/modules/notifications/notifications.js";
import { WebhookSender } from "../src/modules/webhooks/webhook-sender.js";
import type { Clock } from "../src/platform/clock.js";
import { withTenant } from "../src/platform/db/tenant-session.js";
import { type Staff, sessionRest, withAdmin } from "./support/collections.js";
import { createMandate, newTenant, type RestAnswer, reasonOf, violationsOf } from "./support/mandates.js";
import { serviceSecrets, startService } from "./support/service-process.js";
import { TestClock } from "./support/test-clock.js";
import { createTestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer, type TestServerOptions } from "./support/test-server.js";
import { startReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";

interface EndpointJson {
  id: string;
  url: string;
  eventTypes: string[];
  state: string;
  previousSecretExpireTime?: string;
}

interface DeliveryJson {
  id: string;
  eventId: string;
  state: string;
  attemptCount: number;
  lastHttpStatus?: number;
  lastAttemptTime?: string;
  nextAttemptTime?: string;
}

const open: { close(): Promise<unknown> }[] = [];

async function server(options: TestServerOptions = {}): Promise<TestServer> {
  const started = await startTestServer(options);
  open.push(started);
  return started;
}

async function receiver(): Promise<WebhookReceiver> {
  const started = await startReceiver();
  open.push(started);
  return started;
}

afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

async function addEndpoint(
  on: TestServer,
  staff: Staff,
  url: string,
  eventTypes = ["NOTIFICATION_TYPE_MANDATE_CREATED"],
): Promise<{ endpoint: EndpointJson; secret: string }> {
  const answer = await sessionRest(on, "POST", "/v1/webhookEndpoints", staff.cookie, { url, eventTypes });
  if (answer.status !== 200) throw new Error(`create endpoint: ${answer.status} ${JSON.stringify(answer.body)}`);
  const body = answer.body as { webhookEndpoint: EndpointJson; secret: string };
  return { endpoint: body.webhookEndpoint, secret: body.secret };
}

async function deliveries(on: TestServer, staff: Staff, endpointId: string): Promise<DeliveryJson[]> {
  const answer = await sessionRest(
    on,
    "GET",
    `/v1/webhookEndpoints/${endpointId}/deliveries?page_size=500`,
    staff.cookie,
  );
  expect(answer.status).toBe(200);
  return ((answer.body as { deliveries?: DeliveryJson[] }).deliveries ?? []) as DeliveryJson[];
}

const nowSecondsOf = (clock: Clock) => Math.floor(clock.now().getTime() / 1000);

describe("a new mandate's event", () => {
  it("is delivered signed with the secret shown once, as a dd.v1.Event with the mandate", async () => {
    const s = await server();
    const hooks = await receiver();
    const staff = await withAdmin(s, await newTenant(s));
    const { endpoint, secret } = await addEndpoint(s, staff, hooks.url);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(endpoint).toMatchObject({ url: hooks.url, state: "WEBHOOK_ENDPOINT_STATE_ENABLED" });
    // Never shown again, and never in a log line.
    const read = await sessionRest(s, "GET", `/v1/webhookEndpoints/${endpoint.id}`, staff.cookie);
    expect(JSON.stringify(read.body)).not.toContain(secret);
    const mandate = await createMandate(s, staff);

    expect(await s.app.webhookDispatcher.runOnce()).toBe(1);
    expect(hooks.received).toHaveLength(1);
    const [delivery] = hooks.received;
    const event = JSON.parse(delivery!.body) as { id: string; type: string; mandate?: { id: string; state: string } };
    expect(event.type).toBe("NOTIFICATION_TYPE_MANDATE_CREATED");
    expect(event.mandate).toMatchObject({ id: mandate.id, state: "MANDATE_STATE_PENDING_CUSTOMER_APPROVAL" });
    expect(event.id).toMatch(/^EV/);
    expect(delivery!.headers["dd-event-id"]).toBe(event.id);
    expect(delivery!.headers["dd-webhook-endpoint-id"]).toBe(endpoint.id);
    const signature = String(delivery!.headers["dd-signature"]);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await verifyWebhook(delivery!.body, signature, [secret])).toBe(true);
    expect(await verifyWebhook(delivery!.body, signature, ["whsec_not-the-secret"])).toBe(false);
    expect(await verifyWebhook(`${delivery!.body} `, signature, [secret])).toBe(false);
    expect(s.rawLogs.join("\n")).not.toContain(secret);

    const [recorded] = await deliveries(s, staff, endpoint.id);
    expect(recorded).toMatchObject({
      eventId: event.id,
      state: "WEBHOOK_DELIVERY_STATE_SUCCEEDED",
      attemptCount: 1,
      lastHttpStatus: 200,
    });
    // Published once: a second round sends nothing.
    expect(await s.app.webhookDispatcher.runOnce()).toBe(0);
    expect(hooks.received).toHaveLength(1);
  });

  it("goes only to endpoints of its organisation that subscribe to its type", async () => {
    const s = await server();
    const hooks = await receiver();
    const others = await receiver();
    const staff = await withAdmin(s, await newTenant(s));
    const otherStaff = await withAdmin(s, await newTenant(s));
    const subscribed = await receiver();
    await addEndpoint(s, staff, hooks.url, ["NOTIFICATION_TYPE_MANDATE_ACTIVATED"]);
    await addEndpoint(s, staff, subscribed.url);
    await addEndpoint(s, otherStaff, others.url);
    await createMandate(s, staff);
    await s.app.webhookDispatcher.runOnce();
    expect(subscribed.received).toHaveLength(1);
    expect(hooks.received).toHaveLength(0);
    expect(others.received).toHaveLength(0);
  });
});

describe("a receiver that fails", () => {
  it("gets the event again with one event id and growing gaps until it answers 2xx", async () => {
    const clock = new TestClock();
    const s = await server({ clock });
    const hooks = await receiver();
    hooks.answer = (index) => (index < 2 ? 500 : 200);
    const staff = await withAdmin(s, await newTenant(s));
    const { endpoint } = await addEndpoint(s, staff, hooks.url);
    await createMandate(s, staff);

    const waits: number[] = [];
    for (const attempt of [1, 2]) {
      expect(await s.app.webhookDispatcher.runOnce()).toBe(1);
      const [delivery] = await deliveries(s, staff, endpoint.id);
      expect(delivery).toMatchObject({
        state: "WEBHOOK_DELIVERY_STATE_PENDING",
        attemptCount: attempt,
        lastHttpStatus: 500,
      });
      const wait = Date.parse(delivery!.nextAttemptTime!) - Date.parse(delivery!.lastAttemptTime!);
      waits.push(wait);
      expect(await s.app.webhookDispatcher.runOnce()).toBe(0); // not due yet
      clock.advance(wait);
    }
    expect(await s.app.webhookDispatcher.runOnce()).toBe(1);
    const [delivered] = await deliveries(s, staff, endpoint.id);
    expect(delivered).toMatchObject({
      state: "WEBHOOK_DELIVERY_STATE_SUCCEEDED",
      attemptCount: 3,
      lastHttpStatus: 200,
    });
    expect(hooks.received).toHaveLength(3);
    expect(new Set(hooks.received.map((r) => r.headers["dd-event-id"])).size).toBe(1);
    expect(new Set(hooks.received.map((r) => r.body)).size).toBe(1);
    // 1 minute then 2 minutes, each less up to a quarter at random (retry-schedule.ts).
    expect(waits[0]).toBeGreaterThanOrEqual(45_000);
    expect(waits[0]).toBeLessThanOrEqual(60_000);
    expect(waits[1]).toBeGreaterThanOrEqual(90_000);
    expect(waits[1]).toBeLessThanOrEqual(120_000);
  });

  it("is disabled after failing for 3 days, with an alert, and its deliveries fail", async () => {
    const clock = new TestClock();
    const s = await server({ clock });
    const hooks = await receiver();
    hooks.answer = () => 503;
    const tenant = await newTenant(s);
    let staff = await withAdmin(s, tenant);
    const { endpoint } = await addEndpoint(s, staff, hooks.url);
    await createMandate(s, staff);
    await s.app.webhookDispatcher.runOnce();
    let [delivery] = await deliveries(s, staff, endpoint.id);
    expect(delivery).toMatchObject({ state: "WEBHOOK_DELIVERY_STATE_PENDING", attemptCount: 1, lastHttpStatus: 503 });
    // A delivery still being tried is not retried by hand: two replicas could send it at once.
    const early = await sessionRest(s, "POST", `/v1/webhookDeliveries/${delivery!.id}:retry`, staff.cookie, {});
    expect({ status: early.status, reason: reasonOf(early) }).toEqual({ status: 400, reason: "DELIVERY_PENDING" });

    clock.advance(3 * 24 * 3_600_000 + 1_000);
    await s.app.webhookDispatcher.runOnce();
    staff = await withAdmin(s, tenant); // the first session has expired meanwhile
    [delivery] = await deliveries(s, staff, endpoint.id);
    expect(delivery).toMatchObject({ state: "WEBHOOK_DELIVERY_STATE_FAILED", attemptCount: 2 });
    const disabled = await sessionRest(s, "GET", `/v1/webhookEndpoints/${endpoint.id}`, staff.cookie);
    expect((disabled.body as EndpointJson).state).toBe("WEBHOOK_ENDPOINT_STATE_DISABLED");
    const alerts = await sessionRest(s, "GET", "/v1/alerts", staff.cookie);
    const [alert] = (alerts.body as { alerts: { type: string; message: string }[] }).alerts;
    expect(alert).toMatchObject({ type: "ALERT_TYPE_WEBHOOK_ENDPOINT_DISABLED" });
    expect(alert!.message).toContain(endpoint.id);

    // Retrying by hand needs the endpoint enabled again.
    const refused = await sessionRest(s, "POST", `/v1/webhookDeliveries/${delivery!.id}:retry`, staff.cookie, {});
    expect(refused.status).toBe(400);
    const enabled = await sessionRest(
      s,
      "PATCH",
      `/v1/webhookEndpoints/${endpoint.id}?update_mask=state`,
      staff.cookie,
      { state: "WEBHOOK_ENDPOINT_STATE_ENABLED" },
    );
    expect((enabled.body as EndpointJson).state).toBe("WEBHOOK_ENDPOINT_STATE_ENABLED");
    hooks.answer = () => 204;
    const retried = await sessionRest(s, "POST", `/v1/webhookDeliveries/${delivery!.id}:retry`, staff.cookie, {});
    expect((retried.body as DeliveryJson).state).toBe("WEBHOOK_DELIVERY_STATE_PENDING");
    await s.app.webhookDispatcher.runOnce();
    [delivery] = await deliveries(s, staff, endpoint.id);
    expect(delivery).toMatchObject({ state: "WEBHOOK_DELIVERY_STATE_SUCCEEDED", attemptCount: 3, lastHttpStatus: 204 });
  });
});

describe("private addresses", () => {
  it("are refused as endpoints unless WEBHOOK_ALLOW_PRIVATE_NETWORKS is set", async () => {
    const s = await server({ webhooks: { allowPrivateNetworks: false } });
    const staff = await withAdmin(s, await newTenant(s));
    const create = (url: string): Promise<RestAnswer> =>
      sessionRest(s, "POST", "/v1/webhookEndpoints", staff.cookie, {
        url,
        eventTypes: ["NOTIFICATION_TYPE_MANDATE_CREATED"],
      });
    for (const url of [
      "http://hooks.example.com/dd",
      "https://127.0.0.1/hooks",
      "https://10.1.2.3/hooks",
      "https://192.168.0.10/hooks",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/hooks",
      "https://[::ffff:127.0.0.1]/hooks",
      "https://[fd00::1]/hooks",
      "https://localhost/hooks",
      "https://redis/hooks",
      "https://[64:ff9b::10.0.0.1]/hooks",
      "https://[2002:a00:1::]/hooks",
      "https://[::a00:1]/hooks",
      "https://user:pass@hooks.example.com/dd",
      "not a url",
    ]) {
      const answer = await create(url);
      expect({ url, status: answer.status, fields: violationsOf(answer) }).toEqual({
        url,
        status: 400,
        fields: ["webhook_endpoint.url"],
      });
    }
    expect((await create("https://hooks.example.com/dd")).status).toBe(200);
    const described = await sessionRest(s, "POST", "/v1/webhookEndpoints", staff.cookie, {
      url: "https://hooks.example.com/dd",
      eventTypes: ["NOTIFICATION_TYPE_MANDATE_CREATED"],
      description: "agentOS\u0000",
    });
    expect(violationsOf(described)).toEqual(["webhook_endpoint.description"]);

    // Allowed where the deployment says so (as the test servers above do).
    const open = await server({ webhooks: { allowPrivateNetworks: true } });
    const openStaff = await withAdmin(open, await newTenant(open));
    const allowed = await sessionRest(open, "POST", "/v1/webhookEndpoints", openStaff.cookie, {
      url: "http://127.0.0.1:9/hooks",
      eventTypes: ["NOTIFICATION_TYPE_MANDATE_CREATED"],
    });
    expect(allowed.status).toBe(200);
  });

  it("are never connected to: a name resolving to loopback, or a literal, fails before any request", async () => {
    const hooks = await receiver();
    const port = new URL(hooks.url).port;
    const sender = new WebhookSender({ allowPrivateNetworks: false, timeoutMs: 2_000 });
    try {
      expect((await sender.send(`http://hooks.example.com/dd`, "{}", {})).error).toBe("refused: the URL is not https");
      for (const url of [
        `https://localhost:${port}/hooks`,
        `https://127.0.0.1:${port}/hooks`,
        `https://[::ffff:127.0.0.1]:${port}/hooks`,
        `https://[::ffff:7f00:1]:${port}/hooks`,
        `https://[64:ff9b::7f00:1]:${port}/hooks`,
      ]) {
        const outcome = await sender.send(url, "{}", {});
        expect({ url, ok: outcome.ok, status: outcome.status }).toEqual({ url, ok: false, status: 0 });
        expect(outcome.error).toBe("the host name does not resolve to a public address");
      }
      expect(hooks.received).toHaveLength(0);
      // The same sender told to allow private networks reaches it: the refusal was the rule.
      const allowed = new WebhookSender({ allowPrivateNetworks: true, timeoutMs: 2_000 });
      expect((await allowed.send(hooks.url, "{}", {})).ok).toBe(true);
      allowed.close();
    } finally {
      sender.close();
    }
  });
});

describe("rotating the secret", () => {
  it("signs with both secrets during the grace period, then with the new one only", async () => {
    const clock = new TestClock();
    const s = await server({ clock });
    const hooks = await receiver();
    const staff = await withAdmin(s, await newTenant(s));
    const { endpoint, secret: oldSecret } = await addEndpoint(s, staff, hooks.url);
    const rotated = await sessionRest(s, "POST", `/v1/webhookEndpoints/${endpoint.id}:rotateSecret`, staff.cookie, {
      gracePeriod: "3600s",
    });
    expect(rotated.status).toBe(200);
    const { secret: newSecret, webhookEndpoint } = rotated.body as { secret: string; webhookEndpoint: EndpointJson };
    expect(newSecret).not.toBe(oldSecret);
    expect(webhookEndpoint.previousSecretExpireTime).toBeDefined();

    await createMandate(s, staff);
    await s.app.webhookDispatcher.runOnce();
    const during = hooks.received[0]!;
    const duringSignature = String(during.headers["dd-signature"]);
    expect(duringSignature.match(/v1=/g)).toHaveLength(2);
    const at = { nowSeconds: nowSecondsOf(clock) };
    expect(await verifyWebhook(during.body, duringSignature, [oldSecret], at)).toBe(true);
    expect(await verifyWebhook(during.body, duringSignature, [newSecret], at)).toBe(true);

    clock.advance(3_601_000);
    await createMandate(s, staff);
    await s.app.webhookDispatcher.runOnce();
    const after = hooks.received[1]!;
    const afterSignature = String(after.headers["dd-signature"]);
    const later = { nowSeconds: nowSecondsOf(clock) };
    expect(afterSignature.match(/v1=/g)).toHaveLength(1);
    expect(await verifyWebhook(after.body, afterSignature, [oldSecret], later)).toBe(false);
    expect(await verifyWebhook(after.body, afterSignature, [newSecret], later)).toBe(true);
    // A receiver refuses a signature older than its tolerance (5 minutes by default).
    expect(await verifyWebhook(after.body, afterSignature, [newSecret], { nowSeconds: later.nowSeconds + 301 })).toBe(
      false,
    );
  });
});

describe("two replicas", () => {
  let shared: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    shared = await createTestDatabase();
  });

  afterAll(() => shared?.drop());

  it("deliver each of 1,000 events to the endpoint exactly once", async () => {
    const dispatch = { allowPrivateNetworks: true, dispatch: { intervalMs: 20 } };
    const first = await server({ database: shared });
    const hooks = await receiver();
    const staff = await withAdmin(first, await newTenant(first));
    await addEndpoint(first, staff, hooks.url);
    const mandate = await createMandate(first, staff);
    // The mandate's own event and 999 more, as a busy organisation's feed would hold them.
    await withTenant(first.database.orm, staff.organisationId, async (em) => {
      for (let i = 0; i < 999; i++) {
        recordNotification(em, {
          organisationId: staff.organisationId,
          type: "mandate.created",
          resourceType: "mandate",
          resourceId: mandate.id,
          mandateId: mandate.id,
          message: `event ${i}`,
          time: new Date(),
        });
      }
    });
    const replicas = await Promise.all([0, 1].map(() => server({ database: shared, webhooks: dispatch })));

    await hooks.until((r) => r.length >= 1_000, 120_000);
    // Every outcome recorded (and counted), then anything sent twice would have arrived.
    const succeededRows = () =>
      first.admin.em
        .fork()
        .execute<{ n: string }[]>(`select count(*) as n from "webhook_delivery" where "state" = 'SUCCEEDED'`)
        .then(([row]) => Number(row!.n));
    await expect.poll(succeededRows, { timeout: 60_000 }).toBe(1_000);
    const ids = hooks.received.map((r) => String(r.headers["dd-event-id"]));
    expect(new Set(ids).size).toBe(1_000);
    expect(ids).toHaveLength(1_000);
    // Counted once each, by one replica or the other (counters move just after the commit).
    const succeeded = () =>
      Promise.all(
        replicas.map(async (r) => {
          const metric = await r.metrics.webhookAttempts.get();
          return metric.values.find((v) => v.labels.outcome === "succeeded")?.value ?? 0;
        }),
      ).then(([a, b]) => a! + b!);
    await expect.poll(succeeded, { timeout: 10_000 }).toBe(1_000);
  }, 180_000);

  it("lose nothing when one is killed in the middle of its deliveries", async () => {
    const key = serviceSecrets.ACCOUNT_NUMBER_KEY;
    const setup = await server({ database: shared, accountNumberKey: key });
    const hooks = await receiver();
    hooks.answer = () => "hang";
    const staff = await withAdmin(setup, await newTenant(setup));
    const { endpoint } = await addEndpoint(setup, staff, hooks.url);
    for (let i = 0; i < 5; i++) await createMandate(setup, staff);

    // A replica of its own process claims the five deliveries, and is killed while they hang.
    const doomed = startService({ ...shared.env, ...serviceSecrets, WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true" });
    open.push({ close: () => doomed.stop() });
    await hooks.until((r) => new Set(r.map((x) => x.headers["dd-event-id"])).size >= 5, 60_000);
    doomed.child.kill("SIGKILL");
    await doomed.exited;
    hooks.answer = () => 200;
    const pending = await deliveries(setup, staff, endpoint.id);
    expect(pending.map((d) => d.state)).toEqual(Array(5).fill("WEBHOOK_DELIVERY_STATE_PENDING"));

    // Another replica, once the dead one's leases (a minute) have run out, sends them all.
    const later: Clock = { now: () => new Date(Date.now() + 61_000) };
    await server({
      database: shared,
      accountNumberKey: key,
      clock: later,
      webhooks: { allowPrivateNetworks: true, dispatch: { intervalMs: 20 } },
    });
    await expect
      .poll(async () => (await deliveries(setup, staff, endpoint.id)).map((d) => d.state), { timeout: 30_000 })
      .toEqual(Array(5).fill("WEBHOOK_DELIVERY_STATE_SUCCEEDED"));
    const answered = hooks.received.slice(5).map((r) => r.headers["dd-event-id"]);
    expect(new Set(answered)).toEqual(new Set(hooks.received.slice(0, 5).map((r) => r.headers["dd-event-id"])));
  }, 180_000);
});
