/**
 * report.handlers.ts serves ReportService: translate the request, call ReportManager with the
 * caller's organisation (never one from the request), translate the answer. Access (reports:read)
 * is declared in the contract and checked by the chain.
 */
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/postgresql";
import { type ReportInterval, ReportService } from "../../../gen/dd/v1/reports_pb.js";
import type { ReportManager, ReportQuery } from "../../modules/reports/report.service.js";
import { requireCaller, requireEntityManager } from "../../rpc/context.js";
import { isIdOf, nextPageToken, readPage } from "../../rpc/pagination.js";
import {
  clawbackToProto,
  collectionReportRowToProto,
  reportIntervalName,
  successRateRowToProto,
} from "./report.mapper.js";

/**
 * isChargeBackTime tells a real instant in the cursor's form (RFC 3339 UTC with microseconds) from
 * one that only looks like one (month 13, 25:00, 30 February): PostgreSQL would refuse those with an
 * error. Milliseconds must round-trip; microseconds are digits.
 */
function isChargeBackTime(time: string): time is string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(time)) return false;
  const ms = Date.parse(time);
  // Year 0000 parses, but PostgreSQL has no year 0.
  return !Number.isNaN(ms) && !time.startsWith("0000") && new Date(ms).toISOString().slice(0, 23) === time.slice(0, 23);
}

// Clawbacks are listed newest charge-back first, then by id, so their tokens hold both.
const clawbackCursor = { chargeBackTime: isChargeBackTime, id: isIdOf("CL") };

/** readerOf is what every report reads with: the request's EntityManager and the caller's organisation. */
async function readerOf(ctx: HandlerContext): Promise<{ em: EntityManager; organisationId: string }> {
  return { em: await requireEntityManager(ctx), organisationId: requireCaller(ctx).organisationId };
}

/** queryOf is a report request's period and interval, as ReportManager takes them. */
function queryOf(req: { from: string; to: string; interval: ReportInterval }): ReportQuery {
  return { from: req.from, to: req.to, interval: reportIntervalName(req.interval) };
}

/** registerReportService serves ReportService with the given manager. */
export function registerReportService(router: ConnectRouter, reports: ReportManager): void {
  router.service(ReportService, {
    async getCollectionReport(req, ctx) {
      const { em, organisationId } = await readerOf(ctx);
      const report = await reports.collectionReport(em, organisationId, queryOf(req));
      return {
        currency: "GBP",
        rows: report.rows.map(collectionReportRowToProto),
        total: collectionReportRowToProto(report.total),
      };
    },
    async getSuccessRates(req, ctx) {
      const { em, organisationId } = await readerOf(ctx);
      const rates = await reports.successRates(em, organisationId, queryOf(req));
      return { rows: rates.rows.map(successRateRowToProto), total: successRateRowToProto(rates.total) };
    },
    async listClawbacks(req, ctx) {
      const filter = { from: req.from, to: req.to };
      const page = readPage(ctx, req.pageSize, req.pageToken, filter, clawbackCursor);
      const { em, organisationId } = await readerOf(ctx);
      const found = await reports.listClawbacks(em, organisationId, filter, page);
      return {
        clawbacks: found.items.map(clawbackToProto),
        nextPageToken: nextPageToken(ctx, found, filter),
      };
    },
  });
}
