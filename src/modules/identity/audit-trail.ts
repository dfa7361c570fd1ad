/**
 * audit-trail.ts reads the organisation's audit log for its admins (AuditService): newest first,
 * optionally narrowed to one actor, one action and a time range, a keyset page at a time. The tenant
 * filter scopes it like every other query; audit-log.ts writes the rows.
 */
import type { FilterQuery } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { findPage, type IdCursor, type KeysetPage, type PageRequest } from "../../platform/db/keyset-page.js";
import { type FieldViolation, InvalidArgumentError } from "../errors.js";
import { AuditEvent } from "./audit-event.entity.js";

/** AuditFilter narrows the log; an empty string or undefined means "any". */
export interface AuditFilter {
  /** Exactly as rows name actors: `user:US…`, `key:AK…`, `payer`, `operator`, `system…`. */
  actor: string;
  /** Exactly, for example `user.set_role`. */
  action: string;
  /** At or after this instant. */
  since: Date | undefined;
  /** Before this instant. */
  until: Date | undefined;
}

/** Longest actor or action a row can hold (audit-event.entity.ts): a longer filter matches nothing. */
const maxFilterLength = 100;

/**
 * listAuditEvents returns one page of the organisation's audit events, newest first. Events are
 * ordered by id, which begins with the event's time (newId), so the page token holds the id alone.
 */
export function listAuditEvents(
  em: EntityManager,
  filter: AuditFilter,
  page: PageRequest<IdCursor>,
): Promise<KeysetPage<AuditEvent, IdCursor>> {
  const violations: FieldViolation[] = [];
  if (filter.actor.length > maxFilterLength)
    violations.push({ field: "actor", description: `must be at most ${maxFilterLength} characters` });
  if (filter.action.length > maxFilterLength)
    violations.push({ field: "action", description: `must be at most ${maxFilterLength} characters` });
  if (filter.since && filter.until && filter.since > filter.until)
    violations.push({ field: "until", description: "must not be before since" });
  if (violations.length > 0) throw new InvalidArgumentError(violations);
  const where: FilterQuery<AuditEvent>[] = [];
  if (filter.actor !== "") where.push({ actor: filter.actor });
  if (filter.action !== "") where.push({ action: filter.action });
  if (filter.since) where.push({ createTime: { $gte: filter.since } });
  if (filter.until) where.push({ createTime: { $lt: filter.until } });
  return findPage(em, AuditEvent, where.length === 0 ? {} : { $and: where }, { orderBy: ["id"], ...page });
}
