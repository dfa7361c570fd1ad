/**
 * organisation-limits.ts reads each organisation's rate limit, cached for a few seconds: checked on
 * every API-key request, so it must cost no query, yet `ddctl org set-rate-limit` must take effect
 * within seconds on every replica (the TTL bounds it).
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { withTenant } from "../../platform/db/tenant-session.js";
import type { Limit } from "../../platform/rate-limit/gcra.js";
import { Organisation } from "./organisation.entity.js";

/** OrganisationLimits caches organisation id → limit. */
export class OrganisationLimits {
  private readonly cache = new Map<string, { limit: Limit; loadedAt: number }>();
  private readonly loading = new Map<string, Promise<Limit>>();

  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 50_000,
  ) {}

  /** limitOf returns the organisation's limit (the defaults if it has vanished); synchronously when cached. */
  limitOf(organisationId: string): Limit | Promise<Limit> {
    const cached = this.cache.get(organisationId);
    if (cached && this.clock.now().getTime() - cached.loadedAt < this.ttlMs) return cached.limit;
    let load = this.loading.get(organisationId);
    if (!load) {
      load = this.load(organisationId).finally(() => this.loading.delete(organisationId));
      this.loading.set(organisationId, load);
    }
    return load;
  }

  private async load(organisationId: string): Promise<Limit> {
    const organisation = await withTenant(this.orm, organisationId, (em) => em.findOne(Organisation, organisationId));
    const limit: Limit = organisation
      ? { perMinute: organisation.rateLimitPerMinute, burst: organisation.rateLimitBurst }
      : { perMinute: 1000, burst: 100 };
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(organisationId, { limit, loadedAt: this.clock.now().getTime() });
    return limit;
  }
}
