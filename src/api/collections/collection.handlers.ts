/**
 * collection.handlers.ts serves CollectionService: translate the request, call CollectionManager,
 * translate the answer. Access (collections:read; schedule and one-off writes for signed-in admins
 * and members only) is declared in the contract and checked by the chain.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { CollectionService, type CollectionSchedule as ScheduleMessage } from "../../../gen/dd/v1/collections_pb.js";
import { type IsoDate, isIsoDate } from "../../modules/calendar/plain-date.js";
import type { CollectionManager } from "../../modules/collections/collection.service.js";
import type { NewSchedule } from "../../modules/collections/schedule-fields.js";
import { requireActing, requireEntityManager } from "../../rpc/context.js";
import { isIdOf, nextPageToken, readPage } from "../../rpc/pagination.js";
import { readEnumFilter } from "../../rpc/request-values.js";
import {
  collectionStateFromProto,
  collectionToProto,
  intervalUnitName,
  scheduleStateFromProto,
  scheduleToProto,
} from "./collection.mapper.js";

function fieldsOf(schedule: ScheduleMessage | undefined): NewSchedule {
  return {
    mandateId: schedule?.mandateId ?? "",
    amountMinor: schedule?.amountMinor ?? 0n,
    currency: schedule?.currency ?? "",
    intervalUnit: intervalUnitName(schedule?.intervalUnit ?? 0),
    interval: schedule?.interval ?? 0,
    dayOfMonth: schedule?.dayOfMonth ?? 0,
    startDate: schedule?.startDate ?? "",
    endDate: schedule?.endDate ?? "",
    count: schedule?.count ?? 0,
    description: schedule?.description ?? "",
    metadata: schedule?.metadata ?? {},
  };
}

// Schedules are listed newest first by id; collections by charge date, then id, so their tokens hold both.
const scheduleCursor = { id: isIdOf("CS") };
const collectionCursor = { chargeDate: (value: string): value is IsoDate => isIsoDate(value), id: isIdOf("CL") };

/** registerCollectionService serves CollectionService with the given manager. */
export function registerCollectionService(router: ConnectRouter, collections: CollectionManager): void {
  router.service(CollectionService, {
    async createCollectionSchedule(req, ctx) {
      return scheduleToProto(
        await collections.createSchedule(await requireEntityManager(ctx), requireActing(ctx), fieldsOf(req.schedule)),
      );
    },
    async createCollection(req, ctx) {
      const collection = req.collection;
      const fields = {
        mandateId: collection?.mandateId ?? "",
        amountMinor: collection?.amountMinor ?? 0n,
        currency: collection?.currency ?? "",
        chargeDate: collection?.chargeDate ?? "",
        description: collection?.description ?? "",
      };
      return collectionToProto(
        await collections.createOneOff(await requireEntityManager(ctx), requireActing(ctx), fields),
      );
    },
    async cancelCollectionSchedule(req, ctx) {
      return scheduleToProto(
        await collections.cancelSchedule(
          await requireEntityManager(ctx),
          requireActing(ctx),
          req.scheduleId,
          req.reason,
        ),
      );
    },
    async updateCollectionSchedule(req, ctx) {
      const change = {
        id: req.schedule?.id ?? "",
        mask: req.updateMask?.paths,
        amountMinor: req.schedule?.amountMinor ?? 0n,
        endDate: req.schedule?.endDate ?? "",
      };
      return scheduleToProto(
        await collections.updateSchedule(await requireEntityManager(ctx), requireActing(ctx), change),
      );
    },
    async pauseCollectionSchedule(req, ctx) {
      return scheduleToProto(
        await collections.pauseSchedule(
          await requireEntityManager(ctx),
          requireActing(ctx),
          req.scheduleId,
          req.reason,
        ),
      );
    },
    async resumeCollectionSchedule(req, ctx) {
      return scheduleToProto(
        await collections.resumeSchedule(await requireEntityManager(ctx), requireActing(ctx), req.scheduleId),
      );
    },
    async getCollectionSchedule(req, ctx) {
      return scheduleToProto(await collections.getSchedule(await requireEntityManager(ctx), req.scheduleId));
    },
    async listCollectionSchedules(req, ctx) {
      const filter = { mandateId: req.mandateId, states: readEnumFilter(req.state, scheduleStateFromProto, "state") };
      const page = readPage(ctx, req.pageSize, req.pageToken, filter, scheduleCursor);
      const found = await collections.listSchedules(await requireEntityManager(ctx), filter, page);
      return {
        collectionSchedules: found.items.map(scheduleToProto),
        nextPageToken: nextPageToken(ctx, found, filter),
      };
    },
    async getCollection(req, ctx) {
      return collectionToProto(await collections.getCollection(await requireEntityManager(ctx), req.collectionId));
    },
    async listCollections(req, ctx) {
      const filter = {
        mandateId: req.mandateId,
        scheduleId: req.scheduleId,
        states: readEnumFilter(req.state, collectionStateFromProto, "state"),
        from: req.from,
        to: req.to,
      };
      const page = readPage(ctx, req.pageSize, req.pageToken, filter, collectionCursor);
      const found = await collections.listCollections(await requireEntityManager(ctx), filter, page);
      return {
        collections: found.items.map(collectionToProto),
        nextPageToken: nextPageToken(ctx, found, filter),
      };
    },
    async retryCollection(req, ctx) {
      return collectionToProto(
        await collections.retryCollection(await requireEntityManager(ctx), requireActing(ctx), {
          collectionId: req.collectionId,
          chargeDate: req.chargeDate,
        }),
      );
    },
  });
}
