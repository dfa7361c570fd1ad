/**
 * organisation-settings.ts reads the organisation settings that requests need, cached for a few
 * seconds: the rate limit is checked on every API-key request and the notice period dates every
 * mandate read (next_possible_charge_date), so neither may cost a query, yet `ddctl org
 * set-rate-limit` and `org set-notices` must take effect within seconds on every replica (the TTL
 * bounds it).
 */
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { withTenant } from "../../platform/db/tenant-session.js";
import type { Limit } from "../../platform/rate-limit/gcra.js";
import { DEFAULT_ADVANCE_NOTICE_WORKING_DAYS } from "../calendar/bacs-calendar.js";
import { Organisation } from "./organisation.entity.js";

/** OrganisationSettingsView is what the cache holds of one organisation. */
export interface OrganisationSettingsView {
  limit: Limit;
  advanceNoticeWorkingDays: number;
}

// An organisation that has vanished gets the defaults: its requests fail further on anyway.
const defaults: OrganisationSettingsView = {
  limit: { perMinute: 1000, burst: 100 },
  advanceNoticeWorkingDays: DEFAULT_ADVANCE_NOTICE_WORKING_DAYS,
};

/** OrganisationSettings caches organisation id → settings. */
export class OrganisationSettings {
  private readonly cache = new Map<string, { settings: OrganisationSettingsView; loadedAt: number }>();
  private readonly loading = new Map<string, Promise<OrganisationSettingsView>>();

  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 50_000,
  ) {}

  /** limitOf returns the organisation's rate limit; synchronously when cached. */
  limitOf(organisationId: string): Limit | Promise<Limit> {
    const settings = this.settingsOf(organisationId);
    return settings instanceof Promise ? settings.then((s) => s.limit) : settings.limit;
  }

  /**
   * advanceNoticeOf returns the organisation's notice period in working days. A miss reads through
   * `em`, the request's own EntityManager: a second connection while the request holds one could
   * wait for ever on a small pool (the embedded database has one).
   */
  async advanceNoticeOf(organisationId: string, em: EntityManager): Promise<number> {
    const cached = this.cache.get(organisationId);
    if (cached && this.clock.now().getTime() - cached.loadedAt < this.ttlMs)
      return cached.settings.advanceNoticeWorkingDays;
    return this.remember(organisationId, await em.findOne(Organisation, organisationId)).advanceNoticeWorkingDays;
  }

  private settingsOf(organisationId: string): OrganisationSettingsView | Promise<OrganisationSettingsView> {
    const cached = this.cache.get(organisationId);
    if (cached && this.clock.now().getTime() - cached.loadedAt < this.ttlMs) return cached.settings;
    let load = this.loading.get(organisationId);
    if (!load) {
      load = this.load(organisationId).finally(() => this.loading.delete(organisationId));
      this.loading.set(organisationId, load);
    }
    return load;
  }

  private async load(organisationId: string): Promise<OrganisationSettingsView> {
    const organisation = await withTenant(this.orm, organisationId, (em) => em.findOne(Organisation, organisationId));
    return this.remember(organisationId, organisation);
  }

  private remember(organisationId: string, organisation: Organisation | null): OrganisationSettingsView {
    const settings: OrganisationSettingsView = organisation
      ? {
          limit: { perMinute: organisation.rateLimitPerMinute, burst: organisation.rateLimitBurst },
          advanceNoticeWorkingDays: organisation.advanceNoticeWorkingDays,
        }
      : defaults;
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(organisationId, { settings, loadedAt: this.clock.now().getTime() });
    return settings;
  }
}
