/**
 * report.handlers.ts serves ReportService: translate the request, call ReportManager with the
 * caller's organisation (never one from the request), translate the answer. Access (reports:read)
 * is declared in the contract and checked by the chain.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { ReportService } from "../../../gen/dd/v1/reports_pb.js";
import { InvalidArgumentError } from "../../modules/errors.js";
import type { ClawbackCursor, ReportManager } from "../../modules/reports/report.service.js";
import { requireCaller, requireEntityManager } from "../../rpc/context.js";
import { nextPageToken, readPage } from "../../rpc/pagination.js";
import {
  clawbackToProto,
  collectionReportRowToProto,
  reportIntervalName,
  successRateRowToProto,
} from "./report.mapper.js";

// A clawback page token holds "<charge-back time>~<id>": the list is ordered by both.
const cursorOf = (c: { chargeBackTime: string; collectionId: string }) => ({
  id: `${c.chargeBackTime}~${c.collectionId}`,
});

/**
 * isRealTime tells a real instant from one that only looks like one (month 13, 25:00, 30 February):
 * PostgreSQL would refuse those with an error. Milliseconds must round-trip; microseconds are digits.
 */
function isRealTime(time: string): boolean {
  const ms = Date.parse(time);
  // Year 0000 parses, but PostgreSQL has no year 0.
  return !Number.isNaN(ms) && !time.startsWith("0000") && new Date(ms).toISOString().slice(0, 23) === time.slice(0, 23);
}

function readCursor(afterId: string | undefined): ClawbackCursor | undefined {
  if (afterId === undefined) return undefined;
  const [chargeBackTime = "", id = ""] = afterId.split("~");
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(chargeBackTime) ||
    !isRealTime(chargeBackTime) ||
    !/^CL[0-9A-Z]{26}$/.test(id)
  ) {
    throw InvalidArgumentError.field("page_token", "is not a page token this service issued");
  }
  return { chargeBackTime, id };
}

/** registerReportService serves ReportService with the given manager. */
export function registerReportService(router: ConnectRouter, reports: ReportManager): void {
  router.service(ReportService, {
    async getCollectionReport(req, ctx) {
      const query = { from: req.from, to: req.to, interval: reportIntervalName(req.interval) };
      const report = await reports.collectionReport(
        requireEntityManager(ctx),
        requireCaller(ctx).organisationId,
        query,
      );
      return {
        currency: "GBP",
        rows: report.rows.map(collectionReportRowToProto),
        total: collectionReportRowToProto(report.total),
      };
    },
    async getSuccessRates(req, ctx) {
      const query = { from: req.from, to: req.to, interval: reportIntervalName(req.interval) };
      const rates = await reports.successRates(requireEntityManager(ctx), requireCaller(ctx).organisationId, query);
      return { rows: rates.rows.map(successRateRowToProto), total: successRateRowToProto(rates.total) };
    },
    async listClawbacks(req, ctx) {
      const filter = { from: req.from, to: req.to };
      const page = readPage(ctx, req.pageSize, req.pageToken, filter);
      const list = await reports.listClawbacks(requireEntityManager(ctx), requireCaller(ctx).organisationId, filter, {
        size: page.size,
        after: readCursor(page.afterId),
      });
      return {
        clawbacks: list.clawbacks.map(clawbackToProto),
        nextPageToken: nextPageToken(ctx, list.clawbacks.map(cursorOf), page, filter, list.hasMore),
      };
    },
  });
}
