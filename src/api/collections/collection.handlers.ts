/**
 * collection.handlers.ts serves CollectionService: translate the request, call CollectionManager,
 * translate the answer. Access (collections:read; schedule and one-off writes for signed-in admins
 * and members only) is declared in the contract and checked by the chain.
 */

import { create } from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/postgresql";
import {
  type Collection as CollectionMessage,
  CollectionScheduleSchema,
  CollectionSchema,
  CollectionService,
  type CollectionSchedule as ScheduleMessage,
} from "../../../gen/dd/v1/collections_pb.js";
import { type IsoDate, isIsoDate } from "../../modules/calendar/plain-date.js";
import type { CollectionManager, ScheduleView } from "../../modules/collections/collection.service.js";
import type { NewOneOff } from "../../modules/collections/one-off.js";
import type { NewSchedule } from "../../modules/collections/schedule-fields.js";
import type { Acting } from "../../modules/identity/acting.js";
import { requireEntityManager, requireWriter } from "../../rpc/context.js";
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

/** oneOffOf reads a CreateCollection request's fields, and only those a client may set. */
function oneOffOf(collection: CollectionMessage | undefined): NewOneOff {
  const { mandateId, amountMinor, currency, chargeDate, description } = collection ?? create(CollectionSchema);
  return { mandateId, amountMinor, currency, chargeDate, description };
}

// Schedules are listed newest first by id; collections by charge date, then id, so their tokens hold both.
const scheduleCursor = { id: isIdOf("CS") };
const collectionCursor = { chargeDate: (value: string): value is IsoDate => isIsoDate(value), id: isIdOf("CL") };

/** registerCollectionService serves CollectionService with the given manager. */
export function registerCollectionService(router: ConnectRouter, collections: CollectionManager): void {
  // The RPCs that act on one schedule with a free-text reason (cancel, pause).
  const withReason =
    (action: (em: EntityManager, acting: Acting, id: string, reason: string) => Promise<ScheduleView>) =>
    async (req: { scheduleId: string; reason: string }, ctx: HandlerContext) => {
      const { em, acting } = await requireWriter(ctx);
      return scheduleToProto(await action(em, acting, req.scheduleId, req.reason));
    };
  router.service(CollectionService, {
    async createCollectionSchedule(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      return scheduleToProto(await collections.createSchedule(em, acting, fieldsOf(req.schedule)));
    },
    async createCollection(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      return collectionToProto(await collections.createOneOff(em, acting, oneOffOf(req.collection)));
    },
    cancelCollectionSchedule: withReason((...args) => collections.cancelSchedule(...args)),
    async updateCollectionSchedule(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const { id, amountMinor, endDate } = req.schedule ?? create(CollectionScheduleSchema);
      const change = { id, mask: req.updateMask?.paths, amountMinor, endDate };
      return scheduleToProto(await collections.updateSchedule(em, acting, change));
    },
    pauseCollectionSchedule: withReason((...args) => collections.pauseSchedule(...args)),
    async resumeCollectionSchedule(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      return scheduleToProto(await collections.resumeSchedule(em, acting, req.scheduleId));
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
      const { em, acting } = await requireWriter(ctx);
      return collectionToProto(
        await collections.retryCollection(em, acting, {
          collectionId: req.collectionId,
          chargeDate: req.chargeDate,
        }),
      );
    },
  });
}
