/**
 * alert.handlers.ts serves AlertService: translate the request, call AlertManager, translate the
 * answer. Access (alerts:read, alerts:write) is declared in the contract and checked by the chain.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { AlertService, NotificationType } from "../../../gen/dd/v1/alerts_pb.js";
import type { AlertManager } from "../../modules/alerts/alert.service.js";
import { type AlertTypeName, alertTypes } from "../../modules/alerts/alert-types.js";
import { InvalidArgumentError } from "../../modules/errors.js";
import { requireCaller, requireEntityManager, requireWriter } from "../../rpc/context.js";
import { isIdOf, nextPageToken, readPage } from "../../rpc/pagination.js";
import { readEnumFilter, readTimestamp } from "../../rpc/request-values.js";
import {
  alertStateFromProto,
  alertToProto,
  alertTypeFromProto,
  notificationToProto,
  notificationTypes,
  publishedTypes,
  thresholdToProto,
} from "./alert.mapper.js";

// Alerts and notifications are listed newest first by id; thresholds in AlertType order, one per type.
const alertCursor = { id: isIdOf("AL") };
const notificationCursor = { id: isIdOf("NT") };
const thresholdCursor = {
  type: (value: string): value is AlertTypeName => (alertTypes as readonly string[]).includes(value),
};

/** registerAlertService serves AlertService with the given manager. */
export function registerAlertService(router: ConnectRouter, alerts: AlertManager): void {
  router.service(AlertService, {
    async listAlerts(req, ctx) {
      const filter = {
        states: readEnumFilter(req.state, alertStateFromProto, "state"),
        types: readEnumFilter(req.type, alertTypeFromProto, "type"),
      };
      const page = readPage(ctx, req.pageSize, req.pageToken, filter, alertCursor);
      const found = await alerts.list(await requireEntityManager(ctx), filter, page);
      return { alerts: found.items.map(alertToProto), nextPageToken: nextPageToken(ctx, found, filter) };
    },
    async getAlert(req, ctx) {
      return alertToProto(await alerts.get(await requireEntityManager(ctx), req.alertId));
    },
    async acknowledgeAlert(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      return alertToProto(await alerts.acknowledge(em, acting, req.alertId, req.note));
    },
    async resolveAlert(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      return alertToProto(await alerts.resolve(em, acting, req.alertId, req.note));
    },
    async listAlertThresholds(req, ctx) {
      const page = readPage(ctx, req.pageSize, req.pageToken, null, thresholdCursor);
      const { organisationId } = requireCaller(ctx);
      const found = await alerts.listThresholds(await requireEntityManager(ctx), organisationId, page);
      return {
        alertThresholds: found.items.map(thresholdToProto),
        nextPageToken: nextPageToken(ctx, found, null),
      };
    },
    async updateAlertThreshold(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const t = req.threshold;
      const update = {
        id: t?.id ?? "",
        enabled: t?.enabled ?? false,
        failureRatePercent: t?.failureRatePercent ?? 0,
        minSampleSize: t?.minSampleSize ?? 0,
        count: t?.count ?? 0,
        window: t?.window ? { seconds: Number(t.window.seconds), nanos: t.window.nanos } : undefined,
        minAmountMinor: Number(t?.minAmountMinor ?? 0n),
        mask: req.updateMask?.paths,
      };
      return thresholdToProto(await alerts.updateThreshold(em, acting, update));
    },
    async listNotifications(req, ctx) {
      const types = readEnumFilter(
        req.type,
        (t: NotificationType) => (notificationTypes[t] ? NotificationType[t] : undefined),
        "type",
      );
      const since = readTimestamp(req.since, "since");
      const until = readTimestamp(req.until, "until");
      if (since && until && until <= since) throw InvalidArgumentError.field("until", "must be after since");
      const filter = { types, mandateId: req.mandateId, since: since?.toISOString(), until: until?.toISOString() };
      const page = readPage(ctx, req.pageSize, req.pageToken, filter, notificationCursor);
      const stored =
        types.length === 0
          ? publishedTypes
          : types.flatMap((name) => notificationTypes[NotificationType[name as keyof typeof NotificationType]] ?? []);
      const found = await alerts.listNotifications(
        await requireEntityManager(ctx),
        { types: stored, mandateId: req.mandateId, since, until },
        page,
      );
      return {
        notifications: found.items.map(notificationToProto),
        nextPageToken: nextPageToken(ctx, found, filter),
      };
    },
  });
}
