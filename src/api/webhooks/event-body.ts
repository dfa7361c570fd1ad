/**
 * event-body.ts writes the body of a webhook event: the proto3 JSON of a dd.v1.Event with the
 * resource it reports as it is when the event is published (the publisher's cross-organisation
 * transaction reads it, so every read here names its rows and turns the tenant filter off).
 */
import { create, toJsonString } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { NotificationType } from "../../../gen/dd/v1/alerts_pb.js";
import { type Event, EventSchema } from "../../../gen/dd/v1/webhooks_pb.js";
import { Alert } from "../../modules/alerts/alert.entity.js";
import { londonDate } from "../../modules/calendar/london-date.js";
import { Collection } from "../../modules/collections/collection.entity.js";
import { Organisation } from "../../modules/identity/organisation.entity.js";
import { Mandate } from "../../modules/mandates/mandate.entity.js";
import { type EventRenderer, eventIdOf } from "../../modules/webhooks/event-publisher.js";
import type { Clock } from "../../platform/clock.js";
import { alertToProto, publicTypeOf } from "../alerts/alert.mapper.js";
import { collectionToProto } from "../collections/collection.mapper.js";
import { mandateToProto } from "../mandates/mandate.mapper.js";

const unfiltered = { filters: false } as const;

/** eventBodies renders events with `clock` dating mandates' next possible charge date. */
export function eventBodies(clock: Clock): EventRenderer {
  return async (em, notification) => {
    const type = publicTypeOf(notification.type);
    if (type === NotificationType.UNSPECIFIED) return undefined;
    let resource: Event["resource"] = { case: undefined };
    // Read across organisations, so each read names the entry's own organisation too.
    const organisation = notification.organisation.id;
    if (notification.alertId) {
      const alert = await em.findOne(Alert, { id: notification.alertId, organisation }, unfiltered);
      if (alert) resource = { case: "alert", value: alertToProto(alert) };
    } else if (notification.collectionId) {
      const collection = await em.findOne(Collection, { id: notification.collectionId, organisation }, unfiltered);
      if (collection) resource = { case: "collection", value: collectionToProto(collection) };
    } else if (notification.mandateId) {
      const mandate = await em.findOne(Mandate, { id: notification.mandateId, organisation }, unfiltered);
      const settings = await em.findOne(Organisation, organisation, unfiltered);
      if (mandate && settings) {
        const dating = { today: londonDate(clock.now()), noticeWorkingDays: settings.advanceNoticeWorkingDays };
        resource = { case: "mandate", value: mandateToProto(mandate, dating) };
      }
    }
    const event = create(EventSchema, {
      id: eventIdOf(notification.id),
      type,
      createTime: timestampFromDate(notification.createTime),
      reasonCode: notification.reasonCode ?? "",
      message: notification.message,
      resource,
    });
    return toJsonString(EventSchema, event);
  };
}
