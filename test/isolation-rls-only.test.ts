/**
 * The randomised tenancy properties of isolation.test.ts (500 runs) with the ORM's tenant filter
 * switched off on the server: only row-level security stands between the two organisations, and it
 * alone must hold. (Run with the runtime role made BYPASSRLS, this file fails at once.)
 */
import { switchTenantFilterOff } from "./support/tenant-filter-switch.js";

switchTenantFilterOff();
await import("./isolation.test.js");
