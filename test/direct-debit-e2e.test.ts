/**
 * End to end (issue 5, acceptance line 1): a real listening server, a sandbox organisation with a
 * full-scope API key, and a TestClock moved day by day while Bacs processing runs once a day.
 *
 * The same story is told over REST (fetch) and over a real @grpc/grpc-js client: create a mandate (its
 * invite lands in the outbox), the payer completes it, processing takes it to ACTIVE; a signed-in admin
 * creates a monthly schedule (session only, so always REST with the cookie); a month of Bacs days takes
 * the first collection to PAID_OUT; a later collection fails through a simulated ARUDD return and the
 * paid one is clawed back through a simulated DDICA claim, each with its reason code. Then a table of
 * invalid transitions answers FAILED_PRECONDITION with its ErrorInfo reason over both transports.
 */
import {
  type DescEnum,
  type DescMessage,
  type DescMethodUnary,
  fromBinary,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Collection,
  CollectionService,
  CollectionStateSchema,
  IntervalUnit,
} from "../gen/dd/v1/collections_pb.js";
import {
  type Mandate,
  MandateCauseSchema,
  MandateInviteService,
  MandateService,
  MandateStateSchema,
} from "../gen/dd/v1/mandates_pb.js";
import { CollectionScenario, MandateScenario, SandboxService } from "../gen/dd/v1/sandbox_pb.js";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";
import { addDays } from "../src/modules/calendar/plain-date.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { type CollectionJson, createSchedule, type Staff, sessionRest, withAdmin } from "./support/collections.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import {
  goodBankDetails,
  latestInviteToken,
  type MandateJson,
  mandateIn,
  outbox,
  reasonOf,
  rest,
  type Tenant,
} from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** The story starts on Monday 6 September 2027 (no bank holiday until Christmas). */
const firstDay = "2027-09-06";

/** World is one server with its own clock and one sandbox organisation. */
interface World {
  server: TestServer;
  clock: TestClock;
  tenant: Tenant;
}

async function startWorld(): Promise<World> {
  const clock = new TestClock();
  clock.setDay(firstDay);
  const server = await startTestServer({ clock, withoutRedis: true });
  const organisationId = await newOrganisation(server, true);
  const { secret } = await newApiKey(server, organisationId);
  expect(secret.startsWith("dd_test_")).toBe(true);
  return { server, clock, tenant: { organisationId, secret } };
}

const short = (name: string, prefix: string) => name.replace(prefix, "");
const enumName = (schema: DescEnum, value: number) => schema.value[value]?.name ?? String(value);

/** What the story reads back, the same over both transports (state names without their prefix). */
interface MandateView {
  id: string;
  state: string;
  lastStateChange: { previousState: string; state: string; cause: string; reasonCode: string };
}
interface CollectionView {
  id: string;
  chargeDate: string;
  state: string;
  reasonCode: string;
}

/** Driver is one transport's way of making the API-key calls of the story. */
interface Driver {
  createMandate(payer: { name: string; email: string }): Promise<MandateView>;
  completeInvite(token: string): Promise<string>;
  getMandate(id: string): Promise<MandateView>;
  listCollections(scheduleId: string): Promise<CollectionView[]>;
  getCollection(id: string): Promise<CollectionView>;
  simulateCollection(id: string, scenario: "FAIL" | "CHARGE_BACK", reasonCode?: string): Promise<CollectionView>;
  close(): void;
}

function mandateFromJson(m: MandateJson): MandateView {
  const c = m.lastStateChange;
  return {
    id: m.id,
    state: short(m.state, "MANDATE_STATE_"),
    lastStateChange: {
      previousState: short(c.previousState ?? "MANDATE_STATE_UNSPECIFIED", "MANDATE_STATE_"),
      state: short(c.state, "MANDATE_STATE_"),
      cause: short(c.cause, "MANDATE_CAUSE_"),
      reasonCode: c.reasonCode ?? "",
    },
  };
}

const collectionFromJson = (c: CollectionJson): CollectionView => ({
  id: c.id,
  chargeDate: c.chargeDate,
  state: short(c.state, "COLLECTION_STATE_"),
  reasonCode: c.reasonCode ?? "",
});

function restDriver(world: World): Driver {
  const { server, tenant } = world;
  const ok = async (method: string, path: string, body?: unknown, secret: string | undefined = tenant.secret) => {
    const answer = await rest(server, method, path, secret, body);
    if (answer.status !== 200) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  return {
    createMandate: async (payer) => mandateFromJson(await ok("POST", "/v1/mandates", { payer })),
    completeInvite: async (token) =>
      short(
        (await ok("POST", `/v1/mandateInvites/${token}:complete`, goodBankDetails, undefined)).state,
        "MANDATE_STATE_",
      ),
    getMandate: async (id) => mandateFromJson(await ok("GET", `/v1/mandates/${id}`)),
    listCollections: async (scheduleId) =>
      (((await ok("GET", `/v1/collections?schedule_id=${scheduleId}`)).collections ?? []) as CollectionJson[]).map(
        collectionFromJson,
      ),
    getCollection: async (id) => collectionFromJson(await ok("GET", `/v1/collections/${id}`)),
    simulateCollection: async (id, scenario, reasonCode) =>
      collectionFromJson(
        await ok("POST", `/v1/sandbox/collections/${id}:simulate`, {
          scenario: `COLLECTION_SCENARIO_${scenario}`,
          ...(reasonCode ? { reasonCode } : {}),
        }),
      ),
    close: () => undefined,
  };
}

function mandateFromProto(m: Mandate): MandateView {
  const c = m.lastStateChange!;
  return {
    id: m.id,
    state: short(enumName(MandateStateSchema, m.state), "MANDATE_STATE_"),
    lastStateChange: {
      previousState: short(enumName(MandateStateSchema, c.previousState), "MANDATE_STATE_"),
      state: short(enumName(MandateStateSchema, c.state), "MANDATE_STATE_"),
      cause: short(enumName(MandateCauseSchema, c.cause), "MANDATE_CAUSE_"),
      reasonCode: c.reasonCode,
    },
  };
}

const collectionFromProto = (c: Collection): CollectionView => ({
  id: c.id,
  chargeDate: c.chargeDate,
  state: short(enumName(CollectionStateSchema, c.state), "COLLECTION_STATE_"),
  reasonCode: c.reasonCode,
});

function grpcDriver(world: World): Driver {
  const client = grpcJsClient(world.server.port);
  const auth = { authorization: `Bearer ${world.tenant.secret}` };
  async function ok<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    input: MessageInitShape<I>,
    metadata: Record<string, string> = auth,
  ) {
    const result = await grpcJsUnary(client, method, input, metadata);
    if (result.code !== grpc.status.OK)
      throw new Error(`${method.name}: ${grpc.status[result.code]} ${result.details}`);
    return result.message!;
  }
  return {
    createMandate: async (payer) =>
      mandateFromProto(await ok(MandateService.method.createMandate, { mandate: { payer } })),
    completeInvite: async (token) => {
      const done = await ok(
        MandateInviteService.method.completeMandateInvite,
        {
          inviteToken: token,
          accountHolderName: goodBankDetails.account_holder_name,
          sortCode: goodBankDetails.sort_code,
          accountNumber: goodBankDetails.account_number,
          accountHolderConfirmed: true,
        },
        {},
      );
      return short(enumName(MandateStateSchema, done.state), "MANDATE_STATE_");
    },
    getMandate: async (id) => mandateFromProto(await ok(MandateService.method.getMandate, { mandateId: id })),
    listCollections: async (scheduleId) =>
      (await ok(CollectionService.method.listCollections, { scheduleId })).collections.map(collectionFromProto),
    getCollection: async (id) =>
      collectionFromProto(await ok(CollectionService.method.getCollection, { collectionId: id })),
    simulateCollection: async (id, scenario, reasonCode) =>
      collectionFromProto(
        await ok(SandboxService.method.simulateCollectionScenario, {
          collectionId: id,
          scenario: scenario === "FAIL" ? CollectionScenario.FAIL : CollectionScenario.CHARGE_BACK,
          reasonCode: reasonCode ?? "",
        }),
      ),
    close: () => client.close(),
  };
}

/**
 * story runs the acceptance story through `driver` from Monday 6 September to Friday 22 October 2027
 * and returns what it saw. Collections are tracked by charge date in a log of state changes.
 */
async function story(world: World, driver: Driver, reasons: { arudd?: string; ddica?: string }) {
  const { server, clock } = world;
  const payer = { name: "Jane Payer", email: `jane-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com` };

  // Monday 6 Sep: the mandate is created; its invite lands in the outbox; the payer completes it.
  clock.setDay(firstDay);
  const created = await driver.createMandate(payer);
  expect(created.state).toBe("PENDING_CUSTOMER_APPROVAL");
  const invites = (await outbox(server)).filter((e) => e.to === payer.email);
  expect(invites).toHaveLength(1);
  expect(invites[0]!.text).toMatch(/https:\/\/pay\.example\.test\/invite\/[A-Za-z0-9_-]{43}/);
  expect(await driver.completeInvite(await latestInviteToken(server, payer.email))).toBe("PENDING_SUBMISSION");

  // Processing: submitted the same working day, ACTIVE two working days later (Wednesday 8 Sep).
  const mandateStates: Record<string, string> = {};
  for (const day of ["2027-09-06", "2027-09-07", "2027-09-08"]) {
    await server.app.processor.runOnce(clock.setDay(day));
    mandateStates[day] = (await driver.getMandate(created.id)).state;
  }
  expect(mandateStates).toEqual({ "2027-09-06": "SUBMITTED", "2027-09-07": "SUBMITTED", "2027-09-08": "ACTIVE" });
  expect((await driver.getMandate(created.id)).lastStateChange).toEqual({
    previousState: "SUBMITTED",
    state: "ACTIVE",
    cause: "PROCESSING",
    reasonCode: "",
  });

  // Wednesday 8 Sep: a signed-in admin creates a monthly rent schedule from Friday 24 September.
  const staff: Staff = await withAdmin(server, world.tenant);
  const schedule = await createSchedule(server, staff, {
    mandate_id: created.id,
    amount_minor: "95000",
    interval_unit: "INTERVAL_UNIT_MONTHLY",
    start_date: "2027-09-24",
    description: "Rent, Flat 2",
  });
  expect(schedule.state).toBe("COLLECTION_SCHEDULE_STATE_ACTIVE");

  // A month and a half of Bacs days, processing once a day; log each collection's state changes.
  const log: string[] = [];
  const last = new Map<string, string>();
  const observe = async (day: string) => {
    for (const c of (await driver.listCollections(schedule.id)).sort((a, b) =>
      a.chargeDate.localeCompare(b.chargeDate),
    )) {
      if (last.get(c.id) !== c.state) log.push(`${day}: ${c.chargeDate} ${c.state}`);
      last.set(c.id, c.state);
    }
  };
  await observe("2027-09-08");
  for (let day = "2027-09-09"; day <= "2027-10-21"; day = addDays(day, 1)) {
    await server.app.processor.runOnce(clock.setDay(day));
    await observe(day);
  }
  expect(log).toEqual([
    "2027-09-08: 2027-09-24 PENDING_SUBMISSION",
    "2027-09-22: 2027-09-24 SUBMITTED", // two working days before the charge date
    "2027-09-24: 2027-09-24 CONFIRMED", // charged
    "2027-09-27: 2027-09-24 PAID_OUT", // next working day (Saturday and Sunday skipped)
    "2027-10-11: 2027-10-25 PENDING_SUBMISSION", // October's: 24 Oct is a Sunday; made 14 days ahead
    "2027-10-21: 2027-10-25 SUBMITTED",
  ]);
  const [paid, later] = (await driver.listCollections(schedule.id)).sort((a, b) =>
    a.chargeDate.localeCompare(b.chargeDate),
  );

  // The payer's bank returns October's debit unpaid (ARUDD), and the payer claims September's back (DDICA).
  const failed = await driver.simulateCollection(later!.id, "FAIL", reasons.arudd);
  const clawed = await driver.simulateCollection(paid!.id, "CHARGE_BACK", reasons.ddica);
  expect(failed).toMatchObject({ state: "FAILED", reasonCode: reasons.arudd ?? "0" });
  expect(clawed).toMatchObject({ state: "CHARGED_BACK", reasonCode: reasons.ddica ?? "1" });

  // The next Bacs days leave them as they are; reads show the reason codes; the mandate stays ACTIVE.
  for (const day of ["2027-10-22", "2027-10-25", "2027-10-26"]) await server.app.processor.runOnce(clock.setDay(day));
  expect(await driver.getCollection(later!.id)).toEqual(failed);
  expect(await driver.getCollection(paid!.id)).toEqual(clawed);
  expect((await driver.getMandate(created.id)).state).toBe("ACTIVE");
}

describe("the Direct Debit story, end to end", () => {
  let restWorld: World;
  let grpcWorld: World;
  beforeAll(async () => {
    [restWorld, grpcWorld] = await Promise.all([startWorld(), startWorld()]);
  });
  afterAll(async () => {
    await restWorld?.server.close();
    await grpcWorld?.server.close();
  });

  it("over REST: invite, completion, ACTIVE, a month to PAID_OUT, an ARUDD failure and a DDICA clawback", async () => {
    const driver = restDriver(restWorld);
    await story(restWorld, driver, { arudd: "5", ddica: "4" });
  }, 120_000);

  it("over @grpc/grpc-js: the same story (default reason codes ARUDD 0 and DDICA 1)", async () => {
    const driver = grpcDriver(grpcWorld);
    try {
      await story(grpcWorld, driver, {});
    } finally {
      driver.close();
    }
  }, 120_000);
});

/** Refused is what an invalid call answered: its status and its ErrorInfo reason. */
interface Refused {
  code: string;
  reason: string | undefined;
}

/** Ids of the fixtures the invalid transitions are tried on. */
interface Fixtures {
  active: string;
  cancelled: string;
  suspended: string;
  pendingCollection: string;
  collectionOfSuspended: string;
  cancelledSchedule: string;
}

/** Call is one invalid call, made with the API key or the admin's session cookie, over each transport. */
interface Call {
  by: "key" | "session";
  rest: [method: string, path: string, body: unknown];
  grpc: [DescMethodUnary<DescMessage, DescMessage>, Record<string, unknown>];
}

const m = <I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>) =>
  method as unknown as DescMethodUnary<DescMessage, DescMessage>;

/** The invalid transitions: what is tried, the call over each transport, and the reason it is refused with. */
const invalid: [string, string, (f: Fixtures) => Call][] = [
  [
    "suspend a cancelled mandate",
    "MANDATE_NOT_ACTIVE",
    (f) => ({
      by: "key",
      rest: ["POST", `/v1/mandates/${f.cancelled}:suspend`, {}],
      grpc: [m(MandateService.method.suspendMandate), { mandateId: f.cancelled }],
    }),
  ],
  [
    "cancel a cancelled mandate",
    "MANDATE_ALREADY_CANCELLED",
    (f) => ({
      by: "key",
      rest: ["POST", `/v1/mandates/${f.cancelled}:cancel`, {}],
      grpc: [m(MandateService.method.cancelMandate), { mandateId: f.cancelled }],
    }),
  ],
  [
    "reactivate an active mandate",
    "MANDATE_ALREADY_ACTIVE",
    (f) => ({
      by: "key",
      rest: ["POST", `/v1/mandates/${f.active}:reactivate`, {}],
      grpc: [m(MandateService.method.reactivateMandate), { mandateId: f.active }],
    }),
  ],
  [
    "suspend a suspended mandate",
    "MANDATE_ALREADY_SUSPENDED",
    (f) => ({
      by: "key",
      rest: ["POST", `/v1/mandates/${f.suspended}:suspend`, {}],
      grpc: [m(MandateService.method.suspendMandate), { mandateId: f.suspended }],
    }),
  ],
  [
    "resend the invite of an active mandate",
    "MANDATE_NOT_AWAITING_PAYER",
    (f) => ({
      by: "key",
      rest: ["POST", `/v1/mandates/${f.active}:resendInvite`, {}],
      grpc: [m(MandateService.method.resendMandateInvite), { mandateId: f.active }],
    }),
  ],
  [
    "simulate activation of an active mandate",
    "MANDATE_SCENARIO_NOT_ALLOWED",
    (f) => ({
      by: "key",
      rest: ["POST", `/v1/sandbox/mandates/${f.active}:simulate`, { scenario: "MANDATE_SCENARIO_ACTIVATE" }],
      grpc: [
        m(SandboxService.method.simulateMandateScenario),
        { mandateId: f.active, scenario: MandateScenario.ACTIVATE },
      ],
    }),
  ],
  [
    "charge back a pending collection",
    "COLLECTION_SCENARIO_NOT_ALLOWED",
    (f) => ({
      by: "key",
      rest: [
        "POST",
        `/v1/sandbox/collections/${f.pendingCollection}:simulate`,
        { scenario: "COLLECTION_SCENARIO_CHARGE_BACK" },
      ],
      grpc: [
        m(SandboxService.method.simulateCollectionScenario),
        { collectionId: f.pendingCollection, scenario: CollectionScenario.CHARGE_BACK },
      ],
    }),
  ],
  [
    "pay a collection whose mandate is suspended",
    "MANDATE_NOT_ACTIVE",
    (f) => ({
      by: "key",
      rest: [
        "POST",
        `/v1/sandbox/collections/${f.collectionOfSuspended}:simulate`,
        { scenario: "COLLECTION_SCENARIO_PAY" },
      ],
      grpc: [
        m(SandboxService.method.simulateCollectionScenario),
        { collectionId: f.collectionOfSuspended, scenario: CollectionScenario.PAY },
      ],
    }),
  ],
  [
    "cancel a cancelled schedule (session)",
    "COLLECTION_SCHEDULE_NOT_ACTIVE",
    (f) => ({
      by: "session",
      rest: ["POST", `/v1/collectionSchedules/${f.cancelledSchedule}:cancel`, {}],
      grpc: [m(CollectionService.method.cancelCollectionSchedule), { scheduleId: f.cancelledSchedule }],
    }),
  ],
  [
    "create a schedule under a cancelled mandate (session)",
    "MANDATE_NOT_ACTIVE",
    (f) => ({
      by: "session",
      rest: [
        "POST",
        "/v1/collectionSchedules",
        {
          mandate_id: f.cancelled,
          amount_minor: "1000",
          interval_unit: "INTERVAL_UNIT_MONTHLY",
          start_date: "2027-10-28",
        },
      ],
      grpc: [
        m(CollectionService.method.createCollectionSchedule),
        {
          schedule: {
            mandateId: f.cancelled,
            amountMinor: 1000n,
            intervalUnit: IntervalUnit.MONTHLY,
            startDate: "2027-10-28",
          },
        },
      ],
    }),
  ],
];

describe("invalid transitions answer FAILED_PRECONDITION with their reason", () => {
  let world: World;
  let staff: Staff;
  let fixtures: Fixtures;
  let client: grpc.Client;

  beforeAll(async () => {
    world = await startWorld();
    const { server, tenant } = world;
    staff = await withAdmin(server, tenant);
    client = grpcJsClient(server.port);
    const post = async (path: string, body: unknown = {}) =>
      expect((await rest(server, "POST", path, tenant.secret, body)).status).toBe(200);
    const active = await mandateIn(server, tenant, "ACTIVE");
    const cancelled = await mandateIn(server, tenant, "CANCELLED");
    const suspended = await mandateIn(server, tenant, "ACTIVE");
    const schedule = async (mandateId: string) => {
      const s = await createSchedule(server, staff, {
        mandate_id: mandateId,
        amount_minor: "1000",
        interval_unit: "INTERVAL_UNIT_MONTHLY",
        start_date: "2027-10-01",
      });
      const listed = await rest(server, "GET", `/v1/collections?schedule_id=${s.id}`, tenant.secret);
      return { scheduleId: s.id, collectionId: (listed.body.collections as CollectionJson[])[0]!.id };
    };
    const pending = await schedule(active.id);
    const toCancel = await schedule(active.id);
    const ofSuspended = await schedule(suspended.id);
    await post(`/v1/mandates/${suspended.id}:suspend`, { reason: "arrears" });
    expect(
      (await sessionRest(server, "POST", `/v1/collectionSchedules/${toCancel.scheduleId}:cancel`, staff.cookie, {}))
        .status,
    ).toBe(200);
    fixtures = {
      active: active.id,
      cancelled: cancelled.id,
      suspended: suspended.id,
      pendingCollection: pending.collectionId,
      collectionOfSuspended: ofSuspended.collectionId,
      cancelledSchedule: toCancel.scheduleId,
    };
  });
  afterAll(async () => {
    client?.close();
    await world?.server.close();
  });

  async function overRest(call: Call): Promise<Refused> {
    const [method, path, body] = call.rest;
    const answer =
      call.by === "key"
        ? await rest(world.server, method, path, world.tenant.secret, body)
        : await sessionRest(world.server, method, path, staff.cookie, body);
    return { code: `${answer.status} ${answer.body?.code}`, reason: reasonOf(answer) };
  }

  async function overGrpc(call: Call): Promise<Refused> {
    const [method, input] = call.grpc;
    const metadata: Record<string, string> =
      call.by === "key" ? { authorization: `Bearer ${world.tenant.secret}` } : { cookie: staff.cookie };
    const result = await grpcJsUnary(client, method, input as MessageInitShape<DescMessage>, metadata);
    const bytes = result.trailers?.get("grpc-status-details-bin")[0];
    const reason =
      bytes instanceof Buffer
        ? fromBinary(StatusSchema, bytes)
            .details.map((d) => anyUnpack(d, ErrorInfoSchema))
            .find((i) => i !== undefined)?.reason
        : undefined;
    return { code: grpc.status[result.code], reason };
  }

  it.each(invalid)("%s → %s", async (_name, reason, make) => {
    const call = make(fixtures);
    expect(await overRest(call)).toEqual({ code: "400 failed_precondition", reason });
    expect(await overGrpc(call)).toEqual({ code: "FAILED_PRECONDITION", reason });
  });

  it("changed nothing", async () => {
    const stateOf = async (id: string) =>
      (await rest(world.server, "GET", `/v1/mandates/${id}`, world.tenant.secret)).body.state;
    expect([
      await stateOf(fixtures.active),
      await stateOf(fixtures.cancelled),
      await stateOf(fixtures.suspended),
    ]).toEqual(["MANDATE_STATE_ACTIVE", "MANDATE_STATE_CANCELLED", "MANDATE_STATE_SUSPENDED"]);
    const collectionState = async (id: string) =>
      (await rest(world.server, "GET", `/v1/collections/${id}`, world.tenant.secret)).body.state;
    expect(await collectionState(fixtures.pendingCollection)).toBe("COLLECTION_STATE_PENDING_SUBMISSION");
    expect(await collectionState(fixtures.collectionOfSuspended)).toBe("COLLECTION_STATE_PENDING_SUBMISSION");
  });
});
