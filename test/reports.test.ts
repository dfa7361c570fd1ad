/**
 * Reports end to end on a real server and real PostgreSQL: randomised collection histories
 * (fast-check) are written straight into the tables for a fresh organisation, and for another
 * organisation whose rows must never count; GetCollectionReport (REST), GetSuccessRates
 * (@grpc/grpc-js) and ListClawbacks (both, page by page) must equal what a plain loop over the
 * written rows computes, for days, weeks and months and random ranges. Then validation: every bad
 * range names its field, over REST (400) and gRPC (INVALID_ARGUMENT).
 */
import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReportInterval, ReportService } from "../gen/dd/v1/reports_pb.js";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";
import { newId } from "../src/platform/ids.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { rest, violationsOf } from "./support/mandates.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
let client: grpc.Client;

beforeAll(async () => {
  server = await startTestServer();
  client = grpcJsClient(server.port);
});
afterAll(async () => {
  client?.close();
  await server?.close();
});

const states = [
  "PENDING_SUBMISSION",
  "SUBMITTED",
  "CONFIRMED",
  "PAID_OUT",
  "FAILED",
  "CHARGED_BACK",
  "CANCELLED",
] as const;
type State = (typeof states)[number];
const intervals = ["DAY", "WEEK", "MONTH"] as const;
type Interval = (typeof intervals)[number];

/** Row is one collection as the test writes it. */
interface Row {
  id: string;
  mandateId: string;
  chargeDate: string;
  state: State;
  amountMinor: number;
  /** RFC 3339, UTC, six fractional digits. */
  stateChangeTime: string;
  reasonCode: string | null;
}

// Plain UTC-date arithmetic, on purpose not the service's plain-date.ts.
const dayMs = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const msOf = (date: string) => Date.parse(`${date}T00:00:00Z`);
const plusDays = (date: string, days: number) => dateOf(msOf(date) + days * dayMs);
const londonDay = (iso: string) => new Date(iso).toLocaleDateString("en-CA", { timeZone: "Europe/London" });

const base = "2025-01-01";
const spanDays = 800;

const bigMicros = fc.integer({ min: 0, max: 999_999 }).map((n) => String(n).padStart(6, "0"));
/** Instants shared by several clawbacks (ties broken by id), some on the edges of London days. */
const sharedInstants = [
  "2025-06-30T23:00:00.000000Z",
  "2025-06-30T22:59:59.999999Z",
  "2025-10-26T00:30:00.000000Z",
  "2026-03-29T01:00:00.000001Z",
];

const instant = (chargeDate: string) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...sharedInstants) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: dayMs / 1000 - 1 }), bigMicros)
        .map(
          ([days, seconds, micros]) =>
            `${new Date(msOf(chargeDate) + days * dayMs + seconds * 1000).toISOString().slice(0, 19)}.${micros}Z`,
        ),
    },
  );

/** rowOf makes one collection; `chargedBack` weighs CHARGED_BACK against each other state (1). */
const rowOf = (chargedBack: number) =>
  fc
    .record({
      day: fc.integer({ min: 0, max: spanDays }),
      state: fc.oneof(
        ...states.map((state) => ({
          weight: state === "CHARGED_BACK" ? chargedBack : 1,
          arbitrary: fc.constant(state),
        })),
      ),
      amountMinor: fc.oneof(fc.integer({ min: 1, max: 500_000 }), fc.constant(1), fc.integer({ min: 1, max: 2 ** 40 })),
      mandate: fc.integer({ min: 0, max: 1 }),
      reasonCode: fc.constantFrom("1", "2", "3", "4", "5", "6", "7", "8"),
    })
    .chain((r) => {
      const chargeDate = plusDays(base, r.day);
      return instant(chargeDate).map((time) => ({ ...r, chargeDate, time }));
    });

const history: fc.Arbitrary<Generated[]> = fc.array(rowOf(1), { maxLength: 60 });
/** clawbackHistory is mostly charged back, with many ties on the time. */
const clawbackHistory: fc.Arbitrary<Generated[]> = fc.array(rowOf(12), { minLength: 8, maxLength: 30 });

const range = fc
  .tuple(fc.integer({ min: -10, max: spanDays + 10 }), fc.integer({ min: 0, max: 729 }), fc.constantFrom(...intervals))
  .map(([start, days, interval]) => ({ from: plusDays(base, start), to: plusDays(base, start + days), interval }));

/** Generated is one collection as the arbitraries make it, before it gets ids. */
interface Generated {
  chargeDate: string;
  state: State;
  amountMinor: number;
  mandate: number;
  reasonCode: string;
  /** The charge-back time, used when state is CHARGED_BACK. */
  time: string;
}

/** seed writes two mandates and the collections of `rows` for the organisation, and returns the rows. */
async function seed(organisationId: string, generated: readonly Generated[]): Promise<Row[]> {
  const knex = server.admin.em.getConnection().getKnex();
  const now = new Date();
  const mandateIds = [newId("MD", now.getTime()), newId("MD", now.getTime())];
  await knex("mandate").insert(
    mandateIds.map((id, i) => ({
      id,
      organisation_id: organisationId,
      state: "ACTIVE",
      reference: `REPORTS${i}`,
      payer_name: "Report Payer",
      payer_email: `payer${i}@example.com`,
      payer_email_normalised: `payer${i}@example.com`,
      metadata: "{}",
      last_change_cause: "PROCESSING",
      last_change_description: "test",
      last_change_time: now,
      create_time: now,
      update_time: now,
    })),
  );
  const rows: Row[] = generated.map((g) => ({
    id: newId("CL", now.getTime()),
    mandateId: mandateIds[g.mandate]!,
    chargeDate: g.chargeDate,
    state: g.state,
    amountMinor: g.amountMinor,
    stateChangeTime: g.state === "CHARGED_BACK" ? g.time : `${g.chargeDate}T12:00:00.000000Z`,
    reasonCode: g.state === "CHARGED_BACK" ? g.reasonCode : g.state === "FAILED" ? "0" : null,
  }));
  if (rows.length > 0) {
    await knex("collection").insert(
      rows.map((r) => ({
        id: r.id,
        organisation_id: organisationId,
        mandate_id: r.mandateId,
        amount_minor: r.amountMinor,
        currency: "GBP",
        charge_date: r.chargeDate,
        notice_date: r.chargeDate,
        original_charge_date: r.chargeDate,
        state: r.state,
        reason_code: r.reasonCode,
        description: "test",
        state_change_time: r.stateChangeTime,
        create_time: now,
        update_time: now,
      })),
    );
  }
  return rows;
}

/** newReader makes an organisation with a reports:read key. */
async function newReader() {
  const organisationId = await newOrganisation(server);
  const { secret } = await newApiKey(server, organisationId, ["reports:read"]);
  return { organisationId, secret, auth: { authorization: `Bearer ${secret}` } };
}

/** expectedPeriods walks [from, to] day by day and starts a row whenever the interval changes. */
function expectedPeriods(from: string, to: string, interval: Interval): { startDate: string; endDate: string }[] {
  const keyOf = (date: string) => {
    if (interval === "DAY") return date;
    if (interval === "MONTH") return date.slice(0, 7);
    const weekday = new Date(msOf(date)).getUTCDay(); // 0 Sunday … 6 Saturday
    return plusDays(date, -((weekday + 6) % 7));
  };
  const periods: { startDate: string; endDate: string; key: string }[] = [];
  for (let date = from; date <= to; date = plusDays(date, 1)) {
    const last = periods.at(-1);
    if (last && last.key === keyOf(date)) last.endDate = date;
    else periods.push({ startDate: date, endDate: date, key: keyOf(date) });
  }
  return periods.map(({ startDate, endDate }) => ({ startDate, endDate }));
}

function expectedReportRow(rows: Row[], startDate: string, endDate: string) {
  const inside = rows.filter((r) => r.chargeDate >= startDate && r.chargeDate <= endDate);
  return {
    startDate,
    endDate,
    stateTotals: states.map((state) => {
      const of = inside.filter((r) => r.state === state);
      return {
        state: `COLLECTION_STATE_${state}`,
        count: of.length,
        amountMinor: of.reduce((n, r) => n + r.amountMinor, 0),
      };
    }),
    count: inside.length,
    amountMinor: inside.reduce((n, r) => n + r.amountMinor, 0),
  };
}

function expectedRateRow(rows: Row[], startDate: string, endDate: string) {
  const inside = rows.filter((r) => r.chargeDate >= startDate && r.chargeDate <= endDate);
  const paid = inside.filter((r) => r.state === "CONFIRMED" || r.state === "PAID_OUT").length;
  const failed = inside.filter((r) => r.state === "FAILED").length;
  const chargedBack = inside.filter((r) => r.state === "CHARGED_BACK").length;
  const outcomes = paid + failed + chargedBack;
  return {
    startDate,
    endDate,
    paidCount: paid,
    failedCount: failed,
    chargedBackCount: chargedBack,
    successRate: outcomes === 0 ? undefined : paid / outcomes,
    failureRate: outcomes === 0 ? undefined : failed / outcomes,
    chargeBackRate: outcomes === 0 ? undefined : chargedBack / outcomes,
  };
}

// proto3 JSON leaves zeros out and writes int64 as strings: read both back as numbers.
const num = (value: unknown) => Number(value ?? 0);
function reportRowFromJson(json: any) {
  return {
    startDate: json.startDate,
    endDate: json.endDate,
    stateTotals: (json.stateTotals as any[]).map((t) => ({
      state: t.state,
      count: num(t.count),
      amountMinor: num(t.amountMinor),
    })),
    count: num(json.count),
    amountMinor: num(json.amountMinor),
  };
}

/** The time as six fractional digits, however the answer wrote it. */
function micros(time: string): string {
  const m = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  if (!m) throw new Error(`not an RFC 3339 UTC time: ${time}`);
  return `${m[1]}.${(m[2] ?? "").padEnd(9, "0").slice(0, 6)}Z`;
}

function expectedClawbacks(rows: Row[], from: string, to: string) {
  return rows
    .filter((r) => r.state === "CHARGED_BACK")
    .map((r) => ({ ...r, chargeBackDate: londonDay(r.stateChangeTime) }))
    .filter((r) => (from === "" || r.chargeBackDate >= from) && (to === "" || r.chargeBackDate <= to))
    .sort((a, b) =>
      a.stateChangeTime === b.stateChangeTime ? (a.id < b.id ? 1 : -1) : a.stateChangeTime < b.stateChangeTime ? 1 : -1,
    )
    .map((r) => ({
      collectionId: r.id,
      mandateId: r.mandateId,
      amountMinor: r.amountMinor,
      currency: "GBP",
      chargeDate: r.chargeDate,
      chargeBackDate: r.chargeBackDate,
      chargeBackTime: r.stateChangeTime,
      reasonCode: r.reasonCode,
    }));
}

/** clawbacksOverRest pages through ListClawbacks over REST. */
async function clawbacksOverRest(secret: string, from: string, to: string, pageSize: number) {
  const all: unknown[] = [];
  let token = "";
  for (let pages = 0; pages < 100; pages++) {
    const query = new URLSearchParams({ from, to, page_size: String(pageSize), page_token: token });
    const answer = await rest(server, "GET", `/v1/reports/clawbacks?${query}`, secret);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const page = (answer.body.clawbacks ?? []) as any[];
    token = answer.body.nextPageToken ?? "";
    expect(page.length).toBe(token === "" ? page.length : pageSize);
    all.push(...page.map((c) => ({ ...c, amountMinor: num(c.amountMinor), chargeBackTime: micros(c.chargeBackTime) })));
    if (token === "") return all;
  }
  throw new Error("too many pages");
}

/** clawbacksOverGrpc pages through ListClawbacks with @grpc/grpc-js. */
async function clawbacksOverGrpc(auth: Record<string, string>, from: string, to: string, pageSize: number) {
  const all: unknown[] = [];
  let pageToken = "";
  for (let pages = 0; pages < 100; pages++) {
    const answer = await grpcJsUnary(
      client,
      ReportService.method.listClawbacks,
      { from, to, pageSize, pageToken },
      auth,
    );
    expect(answer.code, answer.details).toBe(grpc.status.OK);
    const page = answer.message!.clawbacks;
    pageToken = answer.message!.nextPageToken;
    expect(page.length).toBe(pageToken === "" ? page.length : pageSize);
    all.push(
      ...page.map((c) => ({
        collectionId: c.collectionId,
        mandateId: c.mandateId,
        amountMinor: Number(c.amountMinor),
        currency: c.currency,
        chargeDate: c.chargeDate,
        chargeBackDate: c.chargeBackDate,
        chargeBackTime: `${new Date(Number(c.chargeBackTime!.seconds) * 1000).toISOString().slice(0, 19)}.${String(c.chargeBackTime!.nanos / 1000).padStart(6, "0")}Z`,
        reasonCode: c.reasonCode,
      })),
    );
    if (pageToken === "") return all;
  }
  throw new Error("too many pages");
}

/** violatedFields reads the BadRequest field names from a gRPC error's status details. */
function violatedFields(trailers: grpc.Metadata | undefined): string[] {
  const bytes = trailers?.get("grpc-status-details-bin")[0];
  if (!(bytes instanceof Buffer)) return [];
  return fromBinary(StatusSchema, bytes).details.flatMap(
    (d) => anyUnpack(d, BadRequestSchema)?.fieldViolations.map((v) => v.field) ?? [],
  );
}

const grpcInterval = { DAY: ReportInterval.DAY, WEEK: ReportInterval.WEEK, MONTH: ReportInterval.MONTH } as const;

describe("reports over a randomised history", () => {
  it("count, sum and rate exactly what the collections written say, never another organisation's (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        history,
        history,
        range,
        fc.boolean(),
        async (ours, theirs, { from, to, interval }, useUnspecified) => {
          const reader = await newReader();
          const rows = await seed(reader.organisationId, ours);
          await seed(await newOrganisation(server), theirs);
          const periods = expectedPeriods(from, to, interval);

          // Unset interval means a month.
          const intervalParam = interval === "MONTH" && useUnspecified ? "" : `&interval=REPORT_INTERVAL_${interval}`;
          const report = await rest(
            server,
            "GET",
            `/v1/reports/collections?from=${from}&to=${to}${intervalParam}`,
            reader.secret,
          );
          expect(report.status, JSON.stringify(report.body)).toBe(200);
          expect(report.body.currency).toBe("GBP");
          expect((report.body.rows as any[]).map(reportRowFromJson)).toEqual(
            periods.map((p) => expectedReportRow(rows, p.startDate, p.endDate)),
          );
          expect(reportRowFromJson(report.body.total)).toEqual(expectedReportRow(rows, from, to));

          const rates = await grpcJsUnary(
            client,
            ReportService.method.getSuccessRates,
            { from, to, interval: grpcInterval[interval] },
            reader.auth,
          );
          expect(rates.code, rates.details).toBe(grpc.status.OK);
          const rateRow = (r: (typeof rates.message & {})["rows"][number]) => ({
            startDate: r.startDate,
            endDate: r.endDate,
            paidCount: Number(r.paidCount),
            failedCount: Number(r.failedCount),
            chargedBackCount: Number(r.chargedBackCount),
            successRate: r.successRate,
            failureRate: r.failureRate,
            chargeBackRate: r.chargeBackRate,
          });
          expect(rates.message!.rows.map(rateRow)).toEqual(
            periods.map((p) => expectedRateRow(rows, p.startDate, p.endDate)),
          );
          expect(rateRow(rates.message!.total!)).toEqual(expectedRateRow(rows, from, to));
        },
      ),
      { numRuns: 25 },
    );
  });

  it("lists clawbacks newest first, page by page, filtered by the London date of the claim (property)", async () => {
    // London days the shared instants start or end, often, so a bound falls exactly on a midnight.
    const edge = fc.constantFrom("2025-06-30", "2025-07-01", "2025-10-25", "2025-10-26", "2026-03-28", "2026-03-29");
    const bound = fc.oneof(
      fc.constant(""),
      edge,
      fc.integer({ min: 0, max: spanDays + 120 }).map((n) => plusDays(base, n)),
    );
    await fc.assert(
      fc.asyncProperty(
        clawbackHistory,
        history,
        bound,
        bound,
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        async (ours, theirs, a, b, pageSize, overGrpc) => {
          const [from, to] = a !== "" && b !== "" && b < a ? [b, a] : [a, b];
          const reader = await newReader();
          const rows = await seed(reader.organisationId, ours);
          await seed(await newOrganisation(server), theirs);
          const listed = overGrpc
            ? await clawbacksOverGrpc(reader.auth, from, to, pageSize)
            : await clawbacksOverRest(reader.secret, from, to, pageSize);
          expect(listed).toEqual(expectedClawbacks(rows, from, to));
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("reports by example", () => {
  it("fills months without collections with zeros and leaves their rates unset, not 0%", async () => {
    const reader = await newReader();
    const chargeDate = "2026-03-16";
    const history = [
      { state: "PAID_OUT", amountMinor: 1000, mandate: 0, reasonCode: "1", chargeDate, time: "" },
      { state: "FAILED", amountMinor: 2500, mandate: 0, reasonCode: "1", chargeDate, time: "" },
      { state: "PENDING_SUBMISSION", amountMinor: 700, mandate: 1, reasonCode: "1", chargeDate, time: "" },
    ] as const;
    await seed(
      reader.organisationId,
      history.map((h) => ({ ...h })),
    );
    const report = await rest(
      server,
      "GET",
      "/v1/reports/collections?from=2026-01-20&to=2026-04-05&interval=REPORT_INTERVAL_MONTH",
      reader.secret,
    );
    expect(report.status).toBe(200);
    const rows = report.body.rows as any[];
    expect(rows.map((r) => [r.startDate, r.endDate, num(r.count), num(r.amountMinor)])).toEqual([
      ["2026-01-20", "2026-01-31", 0, 0],
      ["2026-02-01", "2026-02-28", 0, 0],
      ["2026-03-01", "2026-03-31", 3, 4200],
      ["2026-04-01", "2026-04-05", 0, 0],
    ]);
    expect(rows[0].stateTotals).toHaveLength(7);

    const rates = await rest(server, "GET", "/v1/reports/successRates?from=2026-01-20&to=2026-04-05", reader.secret);
    expect(rates.status).toBe(200);
    expect(rates.body.rows[0]).toEqual({ startDate: "2026-01-20", endDate: "2026-01-31" });
    expect(rates.body.rows[2]).toEqual({
      startDate: "2026-03-01",
      endDate: "2026-03-31",
      paidCount: "1",
      failedCount: "1",
      successRate: 0.5,
      failureRate: 0.5,
      chargeBackRate: 0,
    });
  });
});

describe("clawbacks by example", () => {
  it("dates a claim by London time: midnight BST starts the new day, a microsecond before is the old one", async () => {
    const reader = await newReader();
    const at = (time: string) => ({
      state: "CHARGED_BACK" as const,
      amountMinor: 100,
      mandate: 0,
      reasonCode: "1",
      chargeDate: "2025-06-02",
      time,
    });
    const [before, midnight] = await seed(reader.organisationId, [
      at("2025-06-30T22:59:59.999999Z"),
      at("2025-06-30T23:00:00.000000Z"),
    ]);
    const ids = async (query: string) => {
      const answer = await rest(server, "GET", `/v1/reports/clawbacks?${query}`, reader.secret);
      expect(answer.status).toBe(200);
      return ((answer.body.clawbacks ?? []) as any[]).map((c) => [c.collectionId, c.chargeBackDate, c.chargeBackTime]);
    };
    expect(await ids("to=2025-06-30")).toEqual([[before!.id, "2025-06-30", "2025-06-30T22:59:59.999999Z"]]);
    expect(await ids("from=2025-07-01")).toEqual([[midnight!.id, "2025-07-01", "2025-06-30T23:00:00Z"]]);
    expect(await ids("from=2025-06-30&to=2025-07-01")).toEqual([
      [midnight!.id, "2025-07-01", "2025-06-30T23:00:00Z"],
      [before!.id, "2025-06-30", "2025-06-30T22:59:59.999999Z"],
    ]);
  });
});

describe("report validation", () => {
  const reportPaths = ["/v1/reports/collections", "/v1/reports/successRates"];

  it.each([
    ["from=&to=2026-01-31", "from"],
    ["from=2026-01-01", "to"],
    ["from=2026-02-30&to=2026-03-31", "from"],
    ["from=2026-01-01&to=31/01/2026", "to"],
    ["from=2026-02-01&to=2026-01-31", "to"],
    ["from=2024-01-01&to=2026-01-01", "to"],
    ["from=2024-03-15&to=2026-03-15", "to"],
    ["from=2026-01-01&to=2026-01-31&interval=9", "interval"],
  ])("answers 400 over REST for %s, naming %s", async (query, field) => {
    const { secret } = await newReader();
    for (const path of reportPaths) {
      const answer = await rest(server, "GET", `${path}?${query}`, secret);
      expect(answer.status, `${path}?${query}`).toBe(400);
      expect(answer.body.code).toBe("invalid_argument");
      expect(violationsOf(answer)).toEqual([field]);
    }
  });

  it("refuses dates after 9997-12-31 with 400 naming them, not a 500 from overflowing the calendar", async () => {
    const { secret } = await newReader();
    for (const path of reportPaths) {
      const answer = await rest(server, "GET", `${path}?from=9998-06-01&to=9998-07-01`, secret);
      expect(answer.status).toBe(400);
      expect(violationsOf(answer)).toEqual(["from", "to"]);
    }
  });

  it("accepts exactly 24 months", async () => {
    const { secret } = await newReader();
    const answer = await rest(
      server,
      "GET",
      "/v1/reports/collections?from=2024-03-15&to=2026-03-14&interval=REPORT_INTERVAL_WEEK",
      secret,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.total).toMatchObject({ startDate: "2024-03-15", endDate: "2026-03-14" });
  });

  it("answers INVALID_ARGUMENT over gRPC naming the field: from after to, over 24 months, an unknown interval", async () => {
    const { auth } = await newReader();
    const cases = [
      [{ from: "2026-02-01", to: "2026-01-31" }, "to"],
      [{ from: "2024-01-01", to: "2026-06-30" }, "to"],
      [{ from: "2026-01-01", to: "2026-01-31", interval: 42 as ReportInterval }, "interval"],
      [{ from: "yesterday", to: "2026-01-31" }, "from"],
    ] as const;
    for (const [request, field] of cases) {
      const report = await grpcJsUnary(client, ReportService.method.getCollectionReport, request, auth);
      const rates = await grpcJsUnary(client, ReportService.method.getSuccessRates, request, auth);
      for (const answer of [report, rates]) {
        expect(answer.code, JSON.stringify(request)).toBe(grpc.status.INVALID_ARGUMENT);
        expect(violatedFields(answer.trailers)).toEqual([field]);
      }
    }
  });

  it("refuses bad ListClawbacks dates and page tokens, naming the field", async () => {
    const reader = await newReader();
    for (const [query, field] of [
      ["from=2026-13-01", "from"],
      ["to=2026-02-30", "to"],
      ["from=2026-02-01&to=2026-01-31", "to"],
      ["page_token=bm90LWEtdG9rZW4", "page_token"],
    ] as const) {
      const answer = await rest(server, "GET", `/v1/reports/clawbacks?${query}`, reader.secret);
      expect(answer.status, query).toBe(400);
      expect(violationsOf(answer)).toEqual([field]);
    }
    // 9999-12-31, a common "no end", has no next midnight: it means no upper bound (once a 500).
    const open = await rest(server, "GET", "/v1/reports/clawbacks?from=0001-01-01&to=9999-12-31", reader.secret);
    expect(open.status).toBe(200);
    const wrong = await grpcJsUnary(
      client,
      ReportService.method.listClawbacks,
      { to: "2026-01-01", from: "2026-02-01" },
      reader.auth,
    );
    expect(wrong.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(wrong.trailers)).toEqual(["to"]);
  });

  it("refuses a page token issued for other filters or another organisation", async () => {
    const reader = await newReader();
    const rows = Array.from({ length: 3 }, (_, i) => ({
      state: "CHARGED_BACK" as const,
      amountMinor: 100,
      mandate: 0,
      reasonCode: "1",
      chargeDate: plusDays(base, i),
      time: `${plusDays(base, i + 5)}T10:00:00.000000Z`,
    }));
    await seed(reader.organisationId, rows);
    const first = await rest(server, "GET", "/v1/reports/clawbacks?page_size=1", reader.secret);
    const token = first.body.nextPageToken as string;
    expect(token).not.toBe("");
    const otherFilter = await rest(
      server,
      "GET",
      `/v1/reports/clawbacks?page_size=1&from=2025-01-01&page_token=${token}`,
      reader.secret,
    );
    expect(violationsOf(otherFilter)).toEqual(["page_token"]);
    const stranger = await newReader();
    const otherOrganisation = await rest(
      server,
      "GET",
      `/v1/reports/clawbacks?page_size=1&page_token=${token}`,
      stranger.secret,
    );
    expect(violationsOf(otherOrganisation)).toEqual(["page_token"]);
  });
});
