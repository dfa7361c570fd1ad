/**
 * audit-log.ts records who did what in an organisation: key created, rotated, revoked; sign-in
 * succeeded or failed; access denied. Never a secret. Lifecycle events are written in the same unit
 * of work as the change they describe. Denials are counted in memory and written once a minute as one
 * row per (organisation, actor, method, reason) with a count, so a flood of refused calls cannot
 * fill the table.
 */
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { acrossTenants } from "../../platform/db/tenant-session.js";
import { newId } from "../../platform/ids.js";
import type { Logger } from "../../platform/observability/logger.js";
import { AuditEvent } from "./audit-event.entity.js";
import type { Principal } from "./caller.js";

/** AuditEntry is one event to record. */
export interface AuditEntry {
  organisationId: string;
  actor: string;
  action: string;
  target?: string | undefined;
  outcome: string;
  clientAddress?: string | undefined;
  /** When it happened: the caller's clock. */
  time: Date;
}

/** actorOf names a principal as audit rows and created_by fields do: key:AK… or user:US…. */
export function actorOf(principal: Principal): string {
  return principal.kind === "api_key" ? `key:${principal.apiKeyId}` : userActor(principal.userId);
}

/** userActor names a user as actorOf does, for sign-in, where the user is not a caller yet. */
export function userActor(userId: string): string {
  return `user:${userId}`;
}

/**
 * recordAudit adds an event to the EntityManager's unit of work; the caller's flush writes it.
 * count > 1 records that many identical events in one row (aggregated denials).
 */
export function recordAudit(em: EntityManager, entry: AuditEntry, count = 1): void {
  em.create(AuditEvent, {
    id: newId("AE", entry.time.getTime()),
    organisation: entry.organisationId,
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    outcome: entry.outcome,
    clientAddress: entry.clientAddress ?? null,
    count,
    createTime: entry.time,
  });
}

/** DenialRecorder aggregates access denials and writes them periodically. */
export class DenialRecorder {
  private readonly counts = new Map<string, { entry: Omit<AuditEntry, "time">; count: number }>();
  private timer: NodeJS.Timeout | undefined;
  private dropped = 0;

  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly flushIntervalMs = 60_000,
    private readonly maxKeys = 10_000,
  ) {}

  /** start writes the counts every flushIntervalMs. */
  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** denied counts one refused call. */
  denied(entry: Omit<AuditEntry, "action" | "time">): void {
    const key = [entry.organisationId, entry.actor, entry.target, entry.outcome].join("\u0000");
    const existing = this.counts.get(key);
    if (existing) existing.count++;
    else if (this.counts.size < this.maxKeys)
      this.counts.set(key, { entry: { ...entry, action: "access.denied" }, count: 1 });
    else this.dropped++;
  }

  /** flush writes what was counted since the last flush; stop() calls it a last time. */
  async flush(): Promise<void> {
    if (this.counts.size === 0) return;
    const batch = [...this.counts.values()];
    this.counts.clear();
    if (this.dropped > 0) {
      this.logger.warn(
        { dropped: this.dropped },
        "access denials not recorded: too many distinct callers in one interval",
      );
      this.dropped = 0;
    }
    const time = this.clock.now();
    // One batch holds denials of many organisations: written in one transaction across them.
    await acrossTenants(this.orm, "access audit", async (em) => {
      for (const { entry, count } of batch) recordAudit(em, { ...entry, time }, count);
    }).catch((error: unknown) => this.logger.error({ err: error }, "could not record access denials"));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
