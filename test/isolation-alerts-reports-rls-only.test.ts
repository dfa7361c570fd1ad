/**
 * The randomised alert, notification and report isolation of isolation-alerts-reports.test.ts (500
 * calls) with the ORM's tenant filter switched off on the server: row-level security alone holds.
 */
import { switchTenantFilterOff } from "./support/tenant-filter-switch.js";

switchTenantFilterOff();
await import("./isolation-alerts-reports.test.js");
