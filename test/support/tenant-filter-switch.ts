/**
 * tenant-filter-switch.ts is the test-only switch that turns the ORM's tenant filter off on a test
 * server, so a test file can show that row-level security alone keeps organisations apart. A file
 * that calls `switchTenantFilterOff()` before importing a suite runs that suite against servers with
 * the first wall down; vitest gives each test file its own modules, so no other file is affected.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import { TENANT_FILTER } from "../../src/platform/db/tenant-filter.js";

let off = false;

/** switchTenantFilterOff makes every test server started afterwards in this file run without the filter. */
export function switchTenantFilterOff(): void {
  off = true;
}

/** applyTenantFilterSwitch turns the filter off on `orm` if this file asked for it; returns whether it did. */
export function applyTenantFilterSwitch(orm: MikroORM): boolean {
  if (!off) return false;
  for (const meta of Object.values(orm.getMetadata().getAll())) {
    const filter = meta.filters?.[TENANT_FILTER];
    if (filter) filter.default = false;
  }
  return true;
}
