/**
 * collection.mapper.ts turns schedules and collections into their contract messages and reads the
 * contract's enums back into stored names.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Collection as CollectionMessage,
  type CollectionSchedule as CollectionScheduleMessage,
  CollectionScheduleSchema,
  CollectionScheduleState,
  CollectionSchema,
  CollectionState,
  IntervalUnit,
} from "../../../gen/dd/v1/collections_pb.js";
import type { Collection } from "../../modules/collections/collection.entity.js";
import type { ScheduleView } from "../../modules/collections/collection.service.js";
import {
  type CollectionStateName,
  collectionStates,
  intervalUnits,
  type ScheduleStateName,
  scheduleStates,
} from "../../modules/collections/collection-lifecycle.js";
import { storedNameOf } from "../stored-name.js";

/** scheduleToProto shows a schedule as the contract does. */
export function scheduleToProto({ schedule, nextChargeDate }: ScheduleView): CollectionScheduleMessage {
  return create(CollectionScheduleSchema, {
    id: schedule.id,
    mandateId: schedule.mandate.id,
    amountMinor: BigInt(schedule.amountMinor),
    currency: schedule.currency,
    intervalUnit: IntervalUnit[schedule.intervalUnit],
    interval: schedule.interval,
    dayOfMonth: schedule.dayOfMonth,
    startDate: schedule.startDate,
    endDate: schedule.endDate ?? "",
    count: schedule.count ?? 0,
    state: CollectionScheduleState[schedule.state],
    description: schedule.description,
    metadata: { ...schedule.metadata },
    nextChargeDate,
    createdCollectionCount: schedule.createdCollectionCount,
    createTime: timestampFromDate(schedule.createTime),
    updateTime: timestampFromDate(schedule.updateTime),
  });
}

/** collectionToProto shows a collection as the contract does. */
export function collectionToProto(collection: Collection): CollectionMessage {
  return create(CollectionSchema, {
    id: collection.id,
    mandateId: collection.mandate.id,
    scheduleId: collection.schedule?.id ?? "",
    amountMinor: BigInt(collection.amountMinor),
    currency: collection.currency,
    chargeDate: collection.chargeDate,
    state: CollectionState[collection.state],
    reasonCode: collection.reasonCode ?? "",
    description: collection.description,
    stateChangeTime: timestampFromDate(collection.stateChangeTime),
    paidOutTime: collection.paidOutTime ? timestampFromDate(collection.paidOutTime) : undefined,
    createTime: timestampFromDate(collection.createTime),
    updateTime: timestampFromDate(collection.updateTime),
    retryCount: collection.retryCount,
    originalChargeDate: collection.originalChargeDate,
  });
}

/** intervalUnitName reads IntervalUnit; "" for UNSPECIFIED or an unknown number (refused by validation). */
export function intervalUnitName(unit: IntervalUnit): string {
  return storedNameOf(IntervalUnit, unit, intervalUnits) ?? "";
}

/** scheduleStateFromProto reads a filter value; undefined for UNSPECIFIED or an unknown number. */
export function scheduleStateFromProto(state: CollectionScheduleState): ScheduleStateName | undefined {
  return storedNameOf(CollectionScheduleState, state, scheduleStates);
}

/** collectionStateFromProto reads a filter value; undefined for UNSPECIFIED or an unknown number. */
export function collectionStateFromProto(state: CollectionState): CollectionStateName | undefined {
  return storedNameOf(CollectionState, state, collectionStates);
}
