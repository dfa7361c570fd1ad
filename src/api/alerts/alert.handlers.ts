/**
 * alert.handlers.ts serves AlertService: translate the request, call AlertManager, translate the
 * answer. Access (alerts:read, alerts:write) is declared in the contract and checked by the chain.
 */
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { AlertService, NotificationType } from "../../../gen/dd/v1/alerts_pb.js";
import type { AlertActing, AlertManager } from "../../modules/alerts/alert.service.js";
import { InvalidArgumentError } from "../../modules/errors.js";
import { actorOf } from "../../modules/identity/audit-log.js";
import { kRequestInfo, requireCaller, requireEntityManager } from "../../rpc/context.js";
import { nextPageToken, readPage } from "../../rpc/pagination.js";
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

function acting(ctx: HandlerContext): AlertActing {
  const { organisationId, principal } = requireCaller(ctx);
  return {
    organisationId,
    actor: actorOf(principal),
    actorId: principal.kind === "api_key" ? principal.apiKeyId : principal.userId,
    clientAddress: ctx.values.get(kRequestInfo)?.clientAddress,
  };
}

/** registerAlertService serves AlertService with the given manager. */
export function registerAlertService(router: ConnectRouter, alerts: AlertManager): void {
  router.service(AlertService, {
    async listAlerts(req, ctx) {
      const filter = {
        states: readEnumFilter(req.state, alertStateFromProto, "state"),
        types: readEnumFilter(req.type, alertTypeFromProto, "type"),
      };
      const page = readPage(ctx, req.pageSize, req.pageToken, filter);
      const { alerts: rows, hasMore } = await alerts.list(requireEntityManager(ctx), filter, page);
      return { alerts: rows.map(alertToProto), nextPageToken: nextPageToken(ctx, rows, page, filter, hasMore) };
    },
    async getAlert(req, ctx) {
      return alertToProto(await alerts.get(requireEntityManager(ctx), req.alertId));
    },
    async acknowledgeAlert(req, ctx) {
      return alertToProto(await alerts.acknowledge(requireEntityManager(ctx), acting(ctx), req.alertId, req.note));
    },
    async resolveAlert(req, ctx) {
      return alertToProto(await alerts.resolve(requireEntityManager(ctx), acting(ctx), req.alertId, req.note));
    },
    async listAlertThresholds(req, ctx) {
      const page = readPage(ctx, req.pageSize, req.pageToken, null);
      const { organisationId } = requireCaller(ctx);
      const { thresholds, hasMore, lastPosition } = await alerts.listThresholds(
        requireEntityManager(ctx),
        organisationId,
        page,
      );
      return {
        alertThresholds: thresholds.map(thresholdToProto),
        nextPageToken: nextPageToken(ctx, [{ id: String(lastPosition) }], page, null, hasMore),
      };
    },
    async updateAlertThreshold(req, ctx) {
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
      return thresholdToProto(await alerts.updateThreshold(requireEntityManager(ctx), acting(ctx), update));
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
      const page = readPage(ctx, req.pageSize, req.pageToken, filter);
      const stored =
        types.length === 0
          ? publishedTypes
          : types.flatMap((name) => notificationTypes[NotificationType[name as keyof typeof NotificationType]] ?? []);
      const list = await alerts.listNotifications(
        requireEntityManager(ctx),
        { types: stored, mandateId: req.mandateId, since, until },
        page,
      );
      return {
        notifications: list.notifications.map(notificationToProto),
        nextPageToken: nextPageToken(ctx, list.notifications, page, filter, list.hasMore),
      };
    },
  });
}
