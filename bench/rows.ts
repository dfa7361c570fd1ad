/**
 * rows.ts is the list of measurements the bench prints, one table row each. A row measures a
 * target (usually the full server) and a baseline (the bare connectNodeAdapter) with the same load
 * generator, and the table shows target req/s ÷ baseline req/s. To add a row, append a BenchRow;
 * a row that needs data (an API key, a mandate id) names a server kind that creates it and reads it
 * from `server.fixtures` in its request function.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { GetMandateRequestSchema, ListMandatesRequestSchema, MandateService } from "../gen/dd/v1/mandates_pb.js";
import {
  GetCollectionReportRequestSchema,
  GetSuccessRatesRequestSchema,
  ReportInterval,
  ReportService,
} from "../gen/dd/v1/reports_pb.js";
import { Health, HealthCheckRequestSchema } from "../gen/health/v1/health_pb.js";
import type { LoadKind } from "./load/index.js";
import type { HttpRequestSpec } from "./load/types.js";
import { connectJson, connectProto, grpc, restGet } from "./requests.js";
import { ping, probeRestPath } from "./server/probe-service.js";
import type { ReadyLine, ServerKind } from "./server/protocol.js";

/** Target is one side of a row: which server, which load generator, which request. */
export interface Target {
  server: ServerKind;
  load: LoadKind;
  /** The request, or a function of the started server when it needs the server's fixtures. */
  request: HttpRequestSpec | ((server: ReadyLine) => HttpRequestSpec);
}

/** BenchRow is one line of the table. */
export interface BenchRow {
  name: string;
  target: Target;
  baseline: Target;
  /** Printed under the table, e.g. when the baseline is not the same protocol as the target. */
  footnote?: string;
}

const check = Health.method.check;
const emptyCheck = toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema));
const bearer = (server: ReadyLine) => ({ authorization: `Bearer ${server.fixtures.apiKey}` });
const apiKeyFootnote =
  "API-key rows: bench.v1.ProbeService.Ping (scope mandates:read, no domain work) with a cached key, through errors/log → authenticate → authorize → rate limit (GCRA in Redis) → tenant scope; baseline: the same Ping on the bare adapter, no interceptors.";

const mandateFootnote =
  "Mandate rows: the full server on Redis (API key with scope mandates:read, cached) over 1,000,000 mandates of 100 organisations, 10,000 of them the key's organisation's; GetMandate reads one by primary key, ListMandates the newest 50 (51 rows fetched). Baseline: Ping on the bare adapter with the same load kind, which does no database work at all, so the ratio shows the whole cost of a real read (interceptors, one PostgreSQL query, mapping, encoding).";
const getMandateGrpc = (s: ReadyLine) =>
  grpc(
    MandateService.method.getMandate,
    toBinary(GetMandateRequestSchema, create(GetMandateRequestSchema, { mandateId: s.fixtures.mandateId ?? "" })),
    bearer(s),
  );
const listMandatesGrpc = (s: ReadyLine) =>
  grpc(
    MandateService.method.listMandates,
    toBinary(ListMandatesRequestSchema, create(ListMandatesRequestSchema, { pageSize: 50 })),
    bearer(s),
  );

const reportFootnote =
  "Report rows: the full server on Redis (API key with scope reports:read, cached) over 1,000,000 collections of 100 organisations, 100,000 of them the key's organisation's, charged over the last ~14 months; each request reports the 12 whole months before the current one by month (≈ 85,000 collections): one GROUP BY month and state in PostgreSQL over the covering index (index-only scan), 12 rows × 7 states to Node. GetSuccessRates runs the same aggregate. Baseline: Ping on the bare adapter with the same load kind (no database work).";
const reportRange = (s: ReadyLine) => ({
  from: s.fixtures.reportFrom ?? "",
  to: s.fixtures.reportTo ?? "",
  interval: ReportInterval.MONTH,
});
const reportQuery = (s: ReadyLine) =>
  `from=${s.fixtures.reportFrom ?? ""}&to=${s.fixtures.reportTo ?? ""}&interval=REPORT_INTERVAL_MONTH`;
const collectionReportGrpc = (s: ReadyLine) =>
  grpc(
    ReportService.method.getCollectionReport,
    toBinary(GetCollectionReportRequestSchema, create(GetCollectionReportRequestSchema, reportRange(s))),
    bearer(s),
  );
const successRatesGrpc = (s: ReadyLine) =>
  grpc(
    ReportService.method.getSuccessRates,
    toBinary(GetSuccessRatesRequestSchema, create(GetSuccessRatesRequestSchema, reportRange(s))),
    bearer(s),
  );

/** sameOnBoth measures one request and load kind on the full server and on the bare baseline. */
function sameOnBoth(name: string, load: LoadKind, request: HttpRequestSpec): BenchRow {
  return { name, target: { server: "full", load, request }, baseline: { server: "bare", load, request } };
}

/** rows is every measurement, in print order. */
export const rows: BenchRow[] = [
  sameOnBoth("Health.Check, Connect JSON, HTTP/1.1", "http1", connectJson(check)),
  sameOnBoth("Health.Check, Connect binary, HTTP/1.1", "http1", connectProto(check, emptyCheck)),
  sameOnBoth("Health.Check, Connect JSON, HTTP/2", "http2", connectJson(check)),
  sameOnBoth("Health.Check, gRPC, HTTP/2", "http2", grpc(check, emptyCheck)),
  {
    name: "Health.Check, REST GET /healthz, HTTP/1.1",
    target: { server: "full", load: "http1", request: restGet("/healthz") },
    // The bare adapter has no REST transcoder: its nearest equivalent is Connect JSON over HTTP/1.1.
    baseline: { server: "bare", load: "http1", request: connectJson(check) },
    footnote:
      "REST baseline: the bare adapter has no REST routes, so it is measured with Connect JSON over HTTP/1.1 (POST /grpc.health.v1.Health/Check, body {}).",
  },
  {
    name: "bare + AsyncLocalStorage active (as after MikroORM's first flush) → Ping, Connect JSON, HTTP/1.1",
    target: { server: "bare-als", load: "http1", request: connectJson(ping) },
    baseline: { server: "bare", load: "http1", request: connectJson(ping) },
    footnote:
      "AsyncLocalStorage row: the bare adapter in a process where one AsyncLocalStorage has run, as MikroORM's UnitOfWork does on every flush; on Node 20 that keeps promise hooks on for the whole process. It is the process-wide tax every server that writes through MikroORM pays on every request, interceptors or not; the pipeline rows are measured without it (their key is issued by ddctl in another process), the full rows with it.",
  },
  {
    name: "bare + AsyncLocalStorage active (as after MikroORM's first flush) → Ping, gRPC, HTTP/2",
    target: { server: "bare-als", load: "http2", request: grpc(ping, new Uint8Array()) },
    baseline: { server: "bare", load: "http2", request: grpc(ping, new Uint8Array()) },
  },
  {
    name: "authenticate + authorize (cached API key) → Ping, Connect JSON, HTTP/1.1",
    target: { server: "pipeline-auth", load: "http1", request: (s) => connectJson(ping, "{}", bearer(s)) },
    baseline: { server: "bare", load: "http1", request: connectJson(ping) },
    footnote:
      "Pipeline rows: the bare adapter with only the named interceptors in front of Ping, backed by the real services (the App's key verifier and cache; the limiter's GCRA script in Redis).",
  },
  {
    name: "authenticate + authorize + rate limit (Redis) → Ping, Connect JSON, HTTP/1.1",
    target: { server: "pipeline-auth-limit", load: "http1", request: (s) => connectJson(ping, "{}", bearer(s)) },
    baseline: { server: "bare", load: "http1", request: connectJson(ping) },
  },
  {
    name: "authenticate + authorize + rate limit (Redis) → Ping, gRPC, HTTP/2",
    target: { server: "pipeline-auth-limit", load: "http2", request: (s) => grpc(ping, new Uint8Array(), bearer(s)) },
    baseline: { server: "bare", load: "http2", request: grpc(ping, new Uint8Array()) },
  },
  {
    name: "API key → Ping, Connect JSON, HTTP/1.1",
    target: { server: "full-api-key", load: "http1", request: (s) => connectJson(ping, "{}", bearer(s)) },
    baseline: { server: "bare", load: "http1", request: connectJson(ping) },
    footnote: apiKeyFootnote,
  },
  {
    name: "API key → Ping, gRPC, HTTP/2",
    target: { server: "full-api-key", load: "http2", request: (s) => grpc(ping, new Uint8Array(), bearer(s)) },
    baseline: { server: "bare", load: "http2", request: grpc(ping, new Uint8Array()) },
  },
  {
    name: "API key → Ping, Connect JSON, HTTP/1.1, limit in process (no Redis)",
    target: { server: "full-api-key-local", load: "http1", request: (s) => connectJson(ping, "{}", bearer(s)) },
    baseline: { server: "bare", load: "http1", request: connectJson(ping) },
    footnote:
      "The in-process row is the same pipeline with the rate limit decided in process (the single-replica default without REDIS_URL): the difference to the row above is the cost of the Redis round trip.",
  },
  {
    name: "API key → Ping, REST GET, HTTP/1.1",
    target: { server: "full-api-key", load: "http1", request: (s) => restGet(probeRestPath, bearer(s)) },
    baseline: { server: "bare", load: "http1", request: connectJson(ping) },
  },
  {
    name: "GetMandate (API key, 10k of 1M mandates), REST GET /v1/mandates/{id}, HTTP/1.1",
    target: {
      server: "full-mandates",
      load: "http1",
      request: (s) => restGet(`/v1/mandates/${encodeURIComponent(s.fixtures.mandateId ?? "")}`, bearer(s)),
    },
    baseline: { server: "bare", load: "http1", request: connectJson(ping) },
    footnote: mandateFootnote,
  },
  {
    name: "GetMandate (API key, 10k of 1M mandates), gRPC, HTTP/2",
    target: { server: "full-mandates", load: "http2", request: getMandateGrpc },
    baseline: { server: "bare", load: "http2", request: grpc(ping, new Uint8Array()) },
  },
  {
    name: "ListMandates page of 50 (API key), REST GET /v1/mandates?page_size=50, HTTP/1.1",
    target: { server: "full-mandates", load: "http1", request: (s) => restGet("/v1/mandates?page_size=50", bearer(s)) },
    baseline: { server: "bare", load: "http1", request: connectJson(ping) },
  },
  {
    name: "ListMandates page of 50 (API key), gRPC, HTTP/2",
    target: { server: "full-mandates", load: "http2", request: listMandatesGrpc },
    baseline: { server: "bare", load: "http2", request: grpc(ping, new Uint8Array()) },
  },
  {
    name: "GetCollectionReport 12 months monthly (100k of 1M collections), REST GET /v1/reports/collections, HTTP/1.1",
    target: {
      server: "full-reports",
      load: "http1",
      request: (s) => restGet(`/v1/reports/collections?${reportQuery(s)}`, bearer(s)),
    },
    baseline: { server: "bare", load: "http1", request: connectJson(ping) },
    footnote: reportFootnote,
  },
  {
    name: "GetCollectionReport 12 months monthly (100k of 1M collections), gRPC, HTTP/2",
    target: { server: "full-reports", load: "http2", request: collectionReportGrpc },
    baseline: { server: "bare", load: "http2", request: grpc(ping, new Uint8Array()) },
  },
  {
    name: "GetSuccessRates 12 months monthly (100k of 1M collections), REST GET /v1/reports/successRates, HTTP/1.1",
    target: {
      server: "full-reports",
      load: "http1",
      request: (s) => restGet(`/v1/reports/successRates?${reportQuery(s)}`, bearer(s)),
    },
    baseline: { server: "bare", load: "http1", request: connectJson(ping) },
  },
  {
    name: "GetSuccessRates 12 months monthly (100k of 1M collections), gRPC, HTTP/2",
    target: { server: "full-reports", load: "http2", request: successRatesGrpc },
    baseline: { server: "bare", load: "http2", request: grpc(ping, new Uint8Array()) },
  },
];
