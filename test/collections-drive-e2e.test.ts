/**
 * End to end (issue 13): the life of a tenancy's Direct Debit, told twice, over REST and over a real
 * @grpc/grpc-js client (staff calls carry their session cookie on both), on a server whose clock
 * moves day by day while Bacs processing runs once a day, from Monday 6 September 2027.
 *
 * The payer completes the invite (a missing declaration and a bad account number are refused first)
 * and is sent the confirmation of their Instruction at once; staff set up monthly rent, and the
 * payer's advance notice names the amount and a first charge date the notice period (10 working days)
 * allows; a rent review changes the amount: the payer is told, September keeps the amount it was
 * announced with and October takes the new one; a one-off top-up is announced and collected; the
 * schedule is paused and resumed with a new notice; October's collection is returned unpaid (refer
 * to payer) and presented again, announced; the payer's account moves bank and the schedule goes on
 * to November under the new details.
 */
import type { DescMessage, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Collection,
  type CollectionSchedule,
  CollectionScheduleStateSchema,
  CollectionService,
  CollectionStateSchema,
  IntervalUnit,
} from "../gen/dd/v1/collections_pb.js";
import { type Mandate, MandateInviteService, MandateService, MandateStateSchema } from "../gen/dd/v1/mandates_pb.js";
import { CollectionScenario, MandateScenario, SandboxService } from "../gen/dd/v1/sandbox_pb.js";
import { countWorkingDays } from "../src/modules/calendar/bacs-calendar.js";
import { addDays } from "../src/modules/calendar/plain-date.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { type CollectionJson, type ScheduleJson, sessionRest, withAdmin } from "./support/collections.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { goodBankDetails, latestInviteToken, type MandateJson, outbox, rest, type Tenant } from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

interface World {
  server: TestServer;
  clock: TestClock;
  tenant: Tenant;
}

async function startWorld(): Promise<World> {
  const clock = new TestClock();
  clock.setDay("2027-09-06");
  const server = await startTestServer({ clock, withoutRedis: true });
  const organisationId = await newOrganisation(server, true);
  const { secret } = await newApiKey(server, organisationId);
  return { server, clock, tenant: { organisationId, secret } };
}

/** What the story reads back, the same over both transports (enum names without their prefix). */
interface CollectionView {
  id: string;
  scheduleId: string;
  amountMinor: string;
  chargeDate: string;
  originalChargeDate: string;
  state: string;
  reasonCode: string;
  retryCount: number;
}
interface ScheduleView {
  id: string;
  state: string;
  amountMinor: string;
  nextChargeDate: string;
}
/** A refusal: the HTTP-style code name and the field or reason it names. */
type Answer<T> = { ok: true; value: T } | { ok: false; code: string; detail: string };

/** Driver is one transport's way of making the story's calls; staff calls sign in a new admin each time. */
interface Driver {
  createMandate(payer: { name: string; email: string }): Promise<string>;
  completeInvite(token: string, details: Record<string, unknown>): Promise<Answer<string>>;
  mandateState(id: string): Promise<string>;
  createSchedule(fields: { mandateId: string; amountMinor: number; startDate: string }): Promise<ScheduleView>;
  changeAmount(scheduleId: string, amountMinor: number): Promise<ScheduleView>;
  pause(scheduleId: string): Promise<ScheduleView>;
  resume(scheduleId: string): Promise<ScheduleView>;
  createOneOff(mandateId: string, amountMinor: number, description: string): Promise<CollectionView>;
  retry(collectionId: string): Promise<CollectionView>;
  collections(mandateId: string): Promise<CollectionView[]>;
  failCollection(id: string, reasonCode: string): Promise<CollectionView>;
  transfer(mandateId: string, sortCode: string, accountNumber: string): Promise<string>;
  schedule(id: string): Promise<ScheduleView>;
  close(): void;
}

const short = (name: string, prefix: string) => name.replace(prefix, "");

const collectionFromJson = (c: CollectionJson & Record<string, unknown>): CollectionView => ({
  id: c.id,
  scheduleId: (c.scheduleId as string | undefined) ?? "",
  amountMinor: c.amountMinor,
  chargeDate: c.chargeDate,
  originalChargeDate: c.originalChargeDate as string,
  state: short(c.state, "COLLECTION_STATE_"),
  reasonCode: c.reasonCode ?? "",
  retryCount: (c.retryCount as number | undefined) ?? 0,
});
const scheduleFromJson = (s: ScheduleJson & Record<string, unknown>): ScheduleView => ({
  id: s.id,
  state: short(s.state, "COLLECTION_SCHEDULE_STATE_"),
  amountMinor: s.amountMinor as string,
  nextChargeDate: (s.nextChargeDate as string | undefined) ?? "",
});

function restDriver({ server, tenant }: World): Driver {
  const call = async (method: string, path: string, body?: unknown, secret: string | undefined = tenant.secret) => {
    const answer = await rest(server, method, path, secret, body);
    if (answer.status !== 200) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const staff = async (method: string, path: string, body: unknown = {}) => {
    const { cookie } = await withAdmin(server, tenant);
    const answer = await sessionRest(server, method, path, cookie, body);
    if (answer.status !== 200) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  return {
    createMandate: async (payer) => (await call("POST", "/v1/mandates", { payer })).id,
    completeInvite: async (token, details) => {
      const answer = await rest(server, "POST", `/v1/mandateInvites/${token}:complete`, undefined, details);
      if (answer.status === 200) return { ok: true, value: short(answer.body.state, "MANDATE_STATE_") };
      const violation = answer.body.details?.[0]?.fieldViolations?.[0]?.field ?? "";
      return { ok: false, code: answer.body.code, detail: violation };
    },
    mandateState: async (id) => short((await call("GET", `/v1/mandates/${id}`)).state, "MANDATE_STATE_"),
    createSchedule: async ({ mandateId, amountMinor, startDate }) =>
      scheduleFromJson(
        await staff("POST", "/v1/collectionSchedules", {
          mandate_id: mandateId,
          amount_minor: String(amountMinor),
          interval_unit: "INTERVAL_UNIT_MONTHLY",
          start_date: startDate,
          description: "Rent, Flat 2",
        }),
      ),
    changeAmount: async (id, amountMinor) =>
      scheduleFromJson(
        await staff("PATCH", `/v1/collectionSchedules/${id}?update_mask=amount_minor`, {
          amount_minor: String(amountMinor),
        }),
      ),
    pause: async (id) => scheduleFromJson(await staff("POST", `/v1/collectionSchedules/${id}:pause`)),
    resume: async (id) => scheduleFromJson(await staff("POST", `/v1/collectionSchedules/${id}:resume`)),
    createOneOff: async (mandateId, amountMinor, description) =>
      collectionFromJson(
        await staff("POST", "/v1/collections", {
          mandate_id: mandateId,
          amount_minor: String(amountMinor),
          description,
        }),
      ),
    retry: async (id) => collectionFromJson(await staff("POST", `/v1/collections/${id}:retry`)),
    collections: async (mandateId) =>
      ((await call("GET", `/v1/collections?mandate_id=${mandateId}`)).collections ?? []).map(collectionFromJson),
    failCollection: async (id, reasonCode) =>
      collectionFromJson(
        await call("POST", `/v1/sandbox/collections/${id}:simulate`, {
          scenario: "COLLECTION_SCENARIO_FAIL",
          reason_code: reasonCode,
        }),
      ),
    transfer: async (id, sortCode, accountNumber) =>
      short(
        (
          (await call("POST", `/v1/sandbox/mandates/${id}:simulate`, {
            scenario: "MANDATE_SCENARIO_TRANSFER",
            new_sort_code: sortCode,
            new_account_number: accountNumber,
          })) as MandateJson
        ).state,
        "MANDATE_STATE_",
      ),
    schedule: async (id) => scheduleFromJson(await call("GET", `/v1/collectionSchedules/${id}`)),
    close: () => undefined,
  };
}

const enumName = (schema: { value: Record<number, { name: string }> }, value: number) =>
  schema.value[value]?.name ?? String(value);
const collectionFromProto = (c: Collection): CollectionView => ({
  id: c.id,
  scheduleId: c.scheduleId,
  amountMinor: String(c.amountMinor),
  chargeDate: c.chargeDate,
  originalChargeDate: c.originalChargeDate,
  state: short(enumName(CollectionStateSchema, c.state), "COLLECTION_STATE_"),
  reasonCode: c.reasonCode,
  retryCount: c.retryCount,
});
const scheduleFromProto = (s: CollectionSchedule): ScheduleView => ({
  id: s.id,
  state: short(enumName(CollectionScheduleStateSchema, s.state), "COLLECTION_SCHEDULE_STATE_"),
  amountMinor: String(s.amountMinor),
  nextChargeDate: s.nextChargeDate,
});
const mandateState = (m: Mandate) => short(enumName(MandateStateSchema, m.state), "MANDATE_STATE_");

function grpcDriver({ server, tenant }: World): Driver {
  const client = grpcJsClient(server.port);
  async function call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    input: MessageInitShape<I>,
    metadata: Record<string, string> = { authorization: `Bearer ${tenant.secret}` },
  ) {
    const result = await grpcJsUnary(client, method, input, metadata);
    if (result.code !== grpc.status.OK)
      throw new Error(`${method.name}: ${grpc.status[result.code]} ${result.details}`);
    return result.message!;
  }
  const staff = async <I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    input: MessageInitShape<I>,
  ) => call(method, input, { cookie: (await withAdmin(server, tenant)).cookie });
  return {
    createMandate: async (payer) => (await call(MandateService.method.createMandate, { mandate: { payer } })).id,
    completeInvite: async (token, details) => {
      const result = await grpcJsUnary(client, MandateInviteService.method.completeMandateInvite, {
        inviteToken: token,
        accountHolderName: details.account_holder_name as string,
        sortCode: details.sort_code as string,
        accountNumber: details.account_number as string,
        accountHolderConfirmed: (details.account_holder_confirmed as boolean | undefined) ?? false,
      });
      if (result.code === grpc.status.OK)
        return { ok: true, value: short(enumName(MandateStateSchema, result.message!.state), "MANDATE_STATE_") };
      const field = /\b(account_holder_confirmed|account_number|sort_code)\b/.exec(result.details)?.[1] ?? "";
      return { ok: false, code: grpc.status[result.code]!.toLowerCase(), detail: field };
    },
    mandateState: async (id) => mandateState(await call(MandateService.method.getMandate, { mandateId: id })),
    createSchedule: async ({ mandateId, amountMinor, startDate }) =>
      scheduleFromProto(
        await staff(CollectionService.method.createCollectionSchedule, {
          schedule: {
            mandateId,
            amountMinor: BigInt(amountMinor),
            intervalUnit: IntervalUnit.MONTHLY,
            startDate,
            description: "Rent, Flat 2",
          },
        }),
      ),
    changeAmount: async (id, amountMinor) =>
      scheduleFromProto(
        await staff(CollectionService.method.updateCollectionSchedule, {
          schedule: { id, amountMinor: BigInt(amountMinor) },
          updateMask: { paths: ["amount_minor"] },
        }),
      ),
    pause: async (id) =>
      scheduleFromProto(await staff(CollectionService.method.pauseCollectionSchedule, { scheduleId: id })),
    resume: async (id) =>
      scheduleFromProto(await staff(CollectionService.method.resumeCollectionSchedule, { scheduleId: id })),
    createOneOff: async (mandateId, amountMinor, description) =>
      collectionFromProto(
        await staff(CollectionService.method.createCollection, {
          collection: { mandateId, amountMinor: BigInt(amountMinor), description },
        }),
      ),
    retry: async (id) =>
      collectionFromProto(await staff(CollectionService.method.retryCollection, { collectionId: id })),
    collections: async (mandateId) =>
      (await call(CollectionService.method.listCollections, { mandateId })).collections.map(collectionFromProto),
    failCollection: async (id, reasonCode) =>
      collectionFromProto(
        await call(SandboxService.method.simulateCollectionScenario, {
          collectionId: id,
          scenario: CollectionScenario.FAIL,
          reasonCode,
        }),
      ),
    transfer: async (id, sortCode, accountNumber) =>
      mandateState(
        await call(SandboxService.method.simulateMandateScenario, {
          mandateId: id,
          scenario: MandateScenario.TRANSFER,
          newSortCode: sortCode,
          newAccountNumber: accountNumber,
        }),
      ),
    schedule: async (id) =>
      scheduleFromProto(await call(CollectionService.method.getCollectionSchedule, { scheduleId: id })),
    close: () => client.close(),
  };
}

/** story runs the tenancy through `driver` and checks each step. */
async function story({ server, clock }: World, driver: Driver) {
  const payer = { name: "Jane Payer", email: `jane-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com` };
  const emails = async () => (await outbox(server)).filter((e) => e.to === payer.email);
  // Bacs processing runs once on each day the story passes, as in production.
  let processed = "2027-09-05";
  const processUntil = async (last: string) => {
    for (; processed < last; ) {
      processed = addDays(processed, 1);
      await server.app.processor.runOnce(clock.setDay(processed));
    }
  };
  const byDate = async (mandateId: string) =>
    (await driver.collections(mandateId)).sort((a, b) => a.originalChargeDate.localeCompare(b.originalChargeDate));

  // Monday 6 September: the mandate; the payer must declare they hold the account, and give a
  // number that passes the modulus check, before the Instruction is theirs.
  clock.setDay("2027-09-06");
  const mandateId = await driver.createMandate(payer);
  const token = await latestInviteToken(server, payer.email);
  const undeclared = await driver.completeInvite(token, { ...goodBankDetails, account_holder_confirmed: false });
  expect(undeclared).toMatchObject({ ok: false, detail: "account_holder_confirmed" });
  const mistyped = await driver.completeInvite(token, { ...goodBankDetails, account_number: "31926819" });
  expect(mistyped).toMatchObject({ ok: false, detail: "account_number" });
  expect(await driver.completeInvite(token, goodBankDetails)).toEqual({ ok: true, value: "PENDING_SUBMISSION" });
  // The confirmation of the Instruction goes the same day (the scheme allows 3 working days).
  const confirmation = (await emails()).find((e) => e.subject.startsWith("Your Direct Debit Instruction to "));
  expect(confirmation?.text).toContain("Sort code: 20-04-15");
  expect(confirmation?.text).toContain("The Direct Debit Guarantee");
  await processUntil("2027-09-08");
  expect(await driver.mandateState(mandateId)).toBe("ACTIVE");

  // Wednesday 8 September: monthly rent of £950 from Friday 24 September, announced today.
  const schedule = await driver.createSchedule({ mandateId, amountMinor: 95_000, startDate: "2027-09-24" });
  expect(schedule).toMatchObject({ state: "ACTIVE", nextChargeDate: "2027-09-24" });
  expect(countWorkingDays("2027-09-08", "2027-09-24")).toBeGreaterThanOrEqual(10);
  const announced = (await emails()).find((e) => e.subject.startsWith("Advance notice: £950.00 "));
  expect(announced?.text).toContain("Friday 24 September 2027");

  // Wednesday 15 September: a rent review to £1,000. Notice given today reaches 29 September, so the
  // September collection keeps £950 and October's is the first at £1,000; the payer is told.
  await processUntil("2027-09-15");
  const reviewed = await driver.changeAmount(schedule.id, 100_000);
  expect(reviewed).toMatchObject({ amountMinor: "100000", nextChargeDate: "2027-09-24" });
  const change = (await emails()).find((e) => e.subject.startsWith("Change to your Direct Debit"));
  expect(change?.text).toContain("£1000.00");
  expect(change?.text).toContain("Monday 25 October 2027");
  expect(countWorkingDays("2027-09-15", "2027-10-25")).toBeGreaterThanOrEqual(10);

  // The same day, a one-off top-up of £150: the earliest day the notice allows, announced.
  const topUp = await driver.createOneOff(mandateId, 15_000, "Deposit top-up");
  expect(topUp).toMatchObject({ scheduleId: "", amountMinor: "15000", chargeDate: "2027-09-29" });
  expect(countWorkingDays("2027-09-15", topUp.chargeDate)).toBe(10);
  const oneOffNotice = (await emails()).find((e) => e.subject.startsWith("Advance notice: £150.00 "));
  expect(oneOffNotice?.text).toContain("Wednesday 29 September 2027");

  // To Thursday 30 September: both are collected and paid out, each at its announced amount.
  await processUntil("2027-09-30");
  expect(
    (await byDate(mandateId)).map((c) => [c.chargeDate, c.amountMinor, c.state, c.scheduleId === schedule.id]),
  ).toEqual([
    ["2027-09-24", "95000", "PAID_OUT", true],
    ["2027-09-29", "15000", "PAID_OUT", false],
  ]);

  // Paused on Thursday 30 September, resumed on Friday 1 October with a fresh notice: October's rent
  // is still on Monday 25 October, 16 working days on.
  expect(await driver.pause(schedule.id)).toMatchObject({ state: "PAUSED", nextChargeDate: "" });
  await processUntil("2027-10-01");
  expect(await driver.resume(schedule.id)).toMatchObject({ state: "ACTIVE", nextChargeDate: "2027-10-25" });
  const resumed = (await emails()).filter((e) => e.subject.startsWith("Advance notice: £1000.00 "));
  expect(resumed.at(-1)?.text).toContain("Monday 25 October 2027");

  // To Thursday 21 October: October's collection is made at £1,000 and submitted; the payer's bank
  // returns it unpaid, refer to payer (ARUDD 0), and staff present it again: on the first day the
  // notice allows, announced, within a month of the original date.
  await processUntil("2027-10-21");
  const october = (await byDate(mandateId)).find((c) => c.originalChargeDate === "2027-10-25")!;
  expect(october).toMatchObject({ amountMinor: "100000", state: "SUBMITTED" });
  expect(await driver.failCollection(october.id, "0")).toMatchObject({ state: "FAILED", reasonCode: "0" });
  const retried = await driver.retry(october.id);
  expect(retried).toMatchObject({ state: "PENDING_SUBMISSION", chargeDate: "2027-11-04", retryCount: 1 });
  expect(countWorkingDays("2027-10-21", retried.chargeDate)).toBe(10);
  const again = (await emails()).find((e) => e.subject.endsWith(" collected again"));
  expect(again?.text).toContain("Thursday 4 November 2027");

  // Friday 22 October: the payer's account moves bank (ADDACS); the mandate and the schedule go on.
  await processUntil("2027-10-22");
  expect(await driver.transfer(mandateId, "200000", "55779922")).toBe("ACTIVE");

  // To Friday 12 November: the retried collection is paid out, and November's is made at £1,000.
  await processUntil("2027-11-12");
  expect(await driver.schedule(schedule.id)).toMatchObject({ state: "ACTIVE", nextChargeDate: "2027-11-24" });
  expect(
    (await byDate(mandateId)).map((c) => [c.originalChargeDate, c.chargeDate, c.amountMinor, c.state, c.retryCount]),
  ).toEqual([
    ["2027-09-24", "2027-09-24", "95000", "PAID_OUT", 0],
    ["2027-09-29", "2027-09-29", "15000", "PAID_OUT", 0],
    ["2027-10-25", "2027-11-04", "100000", "PAID_OUT", 1],
    ["2027-11-24", "2027-11-24", "100000", "PENDING_SUBMISSION", 0],
  ]);
}

describe("a tenancy's Direct Debit, end to end", () => {
  let restWorld: World;
  let grpcWorld: World;
  beforeAll(async () => {
    [restWorld, grpcWorld] = await Promise.all([startWorld(), startWorld()]);
  });
  afterAll(async () => {
    await restWorld?.server.close();
    await grpcWorld?.server.close();
  });

  it("over REST", async () => {
    await story(restWorld, restDriver(restWorld));
  }, 240_000);

  it("over @grpc/grpc-js, staff with their session cookie", async () => {
    const driver = grpcDriver(grpcWorld);
    try {
      await story(grpcWorld, driver);
    } finally {
      driver.close();
    }
  }, 240_000);
});
