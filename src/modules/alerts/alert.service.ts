/**
 * alert.service.ts is AlertService's domain side on a tenant-scoped EntityManager: reading alerts,
 * acknowledging and resolving them, reading and changing thresholds, and reading the notification
 * feed. Raising alerts is alert-evaluator.ts.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { findPage, type IdCursor, type KeysetPage, type PageRequest, pageOf } from "../../platform/db/keyset-page.js";
import { lockForChange } from "../../platform/db/lock-for-change.js";
import { firstIdAt } from "../../platform/ids.js";
import { FailedPreconditionError, type FieldViolation, InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import { Notification } from "../notifications/notification.entity.js";
import { Alert } from "./alert.entity.js";
import { AlertThreshold } from "./alert-threshold.entity.js";
import { checkThresholdUpdate, ensureThresholds, type ThresholdUpdate } from "./alert-thresholds.js";
import { type AlertStateName, type AlertTypeName, alertTypes } from "./alert-types.js";

/** AlertFilter narrows ListAlerts; empty lists mean any. */
export interface AlertFilter {
  states: AlertStateName[];
  types: AlertTypeName[];
}

/** NotificationFilter narrows ListNotifications. `types` are stored type names, never empty. */
export interface NotificationFilter {
  types: readonly string[];
  mandateId: string;
  since: Date | undefined;
  until: Date | undefined;
}

/** ThresholdCursor is where a page of thresholds ends: they are listed in AlertType order. */
export interface ThresholdCursor {
  type: AlertTypeName;
}

const maxNoteLength = 500;
const typeOrder = (type: AlertTypeName) => alertTypes.indexOf(type);

/** AlertManager serves alerts, thresholds and notifications. */
export class AlertManager {
  constructor(private readonly clock: Clock) {}

  /** list returns one page of the organisation's alerts, newest first. */
  list(em: EntityManager, filter: AlertFilter, page: PageRequest<IdCursor>) {
    const where = {
      ...(filter.states.length > 0 ? { state: { $in: filter.states } } : {}),
      ...(filter.types.length > 0 ? { type: { $in: filter.types } } : {}),
    };
    return findPage(em, Alert, where, { orderBy: ["id"], ...page });
  }

  async get(em: EntityManager, id: string): Promise<Alert> {
    if (id === "") throw InvalidArgumentError.field("alert_id", "is required");
    const alert = await em.findOne(Alert, { id });
    if (!alert) throw new NotFoundError("alert", id);
    return alert;
  }

  /** acknowledge moves an OPEN alert to ACKNOWLEDGED; any other state is FAILED_PRECONDITION. */
  acknowledge(em: EntityManager, acting: Acting, id: string, note: string): Promise<Alert> {
    return this.change(em, acting, id, note, "acknowledge", (alert, now) => {
      if (alert.state !== "OPEN") {
        throw new FailedPreconditionError(
          "ALERT_NOT_OPEN",
          `alert ${id} is ${alert.state}: only an OPEN alert can be acknowledged`,
          { state: alert.state },
        );
      }
      alert.state = "ACKNOWLEDGED";
      alert.acknowledgeTime = now;
      alert.acknowledgedBy = acting.actorId ?? null;
      alert.acknowledgeNote = note || null;
    });
  }

  /** resolve moves an OPEN or ACKNOWLEDGED alert to RESOLVED; RESOLVED already is FAILED_PRECONDITION. */
  resolve(em: EntityManager, acting: Acting, id: string, note: string): Promise<Alert> {
    return this.change(em, acting, id, note, "resolve", (alert, now) => {
      if (alert.state === "RESOLVED") {
        throw new FailedPreconditionError("ALERT_RESOLVED", `alert ${id} is already RESOLVED`, { state: alert.state });
      }
      alert.state = "RESOLVED";
      alert.resolveTime = now;
      alert.resolvedBy = acting.actorId ?? null;
      alert.resolveNote = note || null;
    });
  }

  private async change(
    em: EntityManager,
    acting: Acting,
    id: string,
    note: string,
    action: string,
    apply: (alert: Alert, now: Date) => void,
  ): Promise<Alert> {
    const violations: FieldViolation[] = [];
    if (id === "") violations.push({ field: "alert_id", description: "is required" });
    if (note.length > maxNoteLength)
      violations.push({ field: "note", description: `must be at most ${maxNoteLength} characters` });
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    const now = this.clock.now();
    return em.transactional(async (tx) => {
      const alert = await tx.findOne(Alert, { id }, lockForChange());
      if (!alert) throw new NotFoundError("alert", id);
      apply(alert, now);
      alert.updateTime = now;
      recordAudit(tx, {
        organisationId: acting.organisationId,
        actor: acting.actor,
        action: `alert.${action}`,
        target: id,
        outcome: "success",
        clientAddress: acting.clientAddress,
        time: now,
      });
      return alert;
    });
  }

  /** listThresholds returns the organisation's thresholds in AlertType order (the defaults first created if missing). */
  async listThresholds(
    em: EntityManager,
    organisationId: string,
    page: PageRequest<ThresholdCursor>,
  ): Promise<KeysetPage<AlertThreshold, ThresholdCursor>> {
    let rows = await em.find(AlertThreshold, {});
    if (rows.length < alertTypes.length) {
      await ensureThresholds(em, organisationId, this.clock.now());
      rows = await em.find(AlertThreshold, {});
    }
    // There are only a handful, one per type: they are paged in memory, in AlertType order.
    rows.sort((a, b) => typeOrder(a.type) - typeOrder(b.type));
    const after = page.after;
    const remaining = after ? rows.filter((row) => typeOrder(row.type) > typeOrder(after.type)) : rows;
    return pageOf(remaining, page.size, (row) => ({ type: row.type }));
  }

  /** updateThreshold changes the settings the update names; the next evaluation uses them. */
  async updateThreshold(em: EntityManager, acting: Acting, update: ThresholdUpdate): Promise<AlertThreshold> {
    const changes = checkThresholdUpdate(update);
    const now = this.clock.now();
    return em.transactional(async (tx) => {
      const threshold = await tx.findOne(AlertThreshold, { id: update.id }, lockForChange());
      if (!threshold) throw new NotFoundError("alert threshold", update.id);
      Object.assign(threshold, changes);
      threshold.updateTime = now;
      threshold.updatedBy = acting.actorId ?? null;
      recordAudit(tx, {
        organisationId: acting.organisationId,
        actor: acting.actor,
        action: "alert_threshold.update",
        target: threshold.id,
        outcome: "success",
        clientAddress: acting.clientAddress,
        time: now,
      });
      return threshold;
    });
  }

  /**
   * listNotifications pages through the feed newest first. Ids begin with their create_time, so the
   * time filters are also bounds on the primary key: a poll for the last minutes reads only them.
   */
  listNotifications(em: EntityManager, filter: NotificationFilter, page: PageRequest<IdCursor>) {
    const createTime = {
      ...(filter.since ? { $gte: filter.since } : {}),
      ...(filter.until ? { $lt: filter.until } : {}),
    };
    const id = {
      ...(filter.until ? { $lt: firstIdAt("NT", filter.until.getTime()) } : {}),
      ...(filter.since ? { $gte: firstIdAt("NT", filter.since.getTime()) } : {}),
    };
    const where = {
      type: { $in: [...filter.types] },
      ...(Object.keys(id).length > 0 ? { id } : {}),
      ...(filter.mandateId !== "" ? { mandateId: filter.mandateId } : {}),
      ...(filter.since || filter.until ? { createTime } : {}),
    };
    return findPage(em, Notification, where, { orderBy: ["id"], ...page });
  }
}
