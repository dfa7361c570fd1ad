/**
 * report.mapper.ts turns reports and clawbacks into their contract messages and reads the
 * contract's ReportInterval back into an interval name.
 */
import { create, fromJson } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import { CollectionState } from "../../../gen/dd/v1/collections_pb.js";
import {
  type Clawback as ClawbackMessage,
  ClawbackSchema,
  type CollectionReportRow as CollectionReportRowMessage,
  CollectionReportRowSchema,
  ReportInterval,
  type SuccessRateRow as SuccessRateRowMessage,
  SuccessRateRowSchema,
} from "../../../gen/dd/v1/reports_pb.js";
import type { Clawback, CollectionReportRow, SuccessRateRow } from "../../modules/reports/report.service.js";
import { reportIntervals } from "../../modules/reports/report-intervals.js";
import { storedNameOf } from "../stored-name.js";

/** reportIntervalName reads ReportInterval: UNSPECIFIED means a month; "" for an unknown number (refused by validation). */
export function reportIntervalName(interval: ReportInterval): string {
  if (interval === ReportInterval.UNSPECIFIED) return "MONTH";
  return storedNameOf(ReportInterval, interval, reportIntervals) ?? "";
}

/** collectionReportRowToProto shows one row of the collection report as the contract does. */
export function collectionReportRowToProto(row: CollectionReportRow): CollectionReportRowMessage {
  return create(CollectionReportRowSchema, {
    startDate: row.startDate,
    endDate: row.endDate,
    stateTotals: row.stateTotals.map((total) => ({
      state: CollectionState[total.state],
      count: BigInt(total.count),
      amountMinor: total.amountMinor,
    })),
    count: BigInt(row.count),
    amountMinor: row.amountMinor,
  });
}

/** successRateRowToProto shows one row of the success rates; rates stay unset when there is no outcome. */
export function successRateRowToProto(row: SuccessRateRow): SuccessRateRowMessage {
  return create(SuccessRateRowSchema, {
    startDate: row.startDate,
    endDate: row.endDate,
    paidCount: BigInt(row.paidCount),
    failedCount: BigInt(row.failedCount),
    chargedBackCount: BigInt(row.chargedBackCount),
    ...(row.successRate === undefined ? {} : { successRate: row.successRate }),
    ...(row.failureRate === undefined ? {} : { failureRate: row.failureRate }),
    ...(row.chargeBackRate === undefined ? {} : { chargeBackRate: row.chargeBackRate }),
  });
}

/** clawbackToProto shows a clawback as the contract does, its time to the microsecond. */
export function clawbackToProto(clawback: Clawback): ClawbackMessage {
  return create(ClawbackSchema, {
    collectionId: clawback.collectionId,
    mandateId: clawback.mandateId,
    amountMinor: clawback.amountMinor,
    currency: clawback.currency,
    chargeDate: clawback.chargeDate,
    chargeBackDate: clawback.chargeBackDate,
    chargeBackTime: fromJson(TimestampSchema, clawback.chargeBackTime),
    reasonCode: clawback.reasonCode,
  });
}
