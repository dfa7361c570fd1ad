/**
 * org.ts holds the organisation commands: create a live or sandbox organisation, set its rate
 * limit (read by the per-organisation limiter), and require TOTP of its admins.
 */
import { acrossTenants } from "../platform/db/tenant-session.js";
import { requirePositiveInteger, requireString, UsageError } from "./args.js";
import type { Command } from "./command.js";
import { inOrganisation } from "./in-organisation.js";

/** orgCreate prints `{"id": "OR…", "name": …, "sandbox": bool}`. */
export const orgCreate: Command = {
  words: ["org", "create"],
  flags: { name: "string", sandbox: "boolean" },
  usage: "org create --name NAME [--sandbox]",
  summary: "create an organisation (--sandbox: dd_test_ keys, never reaches Bacs)",
  async run(flags, { runtime }) {
    const name = requireString("org create", flags, "name");
    const sandbox = flags.sandbox === true;
    const { orm } = await runtime.database();
    const { provisioning } = await runtime.services({ announce: false });
    // A new organisation has no id to scope to until it is created.
    const organisation = await acrossTenants(orm, "provisioning", (em) =>
      provisioning.createOrganisation(em, { name, sandbox }),
    );
    return {
      json: { id: organisation.id, name: organisation.name, sandbox: organisation.sandbox },
      text: `created ${organisation.sandbox ? "sandbox" : "live"} organisation ${organisation.id} "${organisation.name}"`,
    };
  },
};

/** orgSetRateLimit prints `{"id", "rate_limit_per_minute", "rate_limit_burst"}`. */
export const orgSetRateLimit: Command = {
  words: ["org", "set-rate-limit"],
  flags: { org: "string", "per-minute": "string", burst: "string" },
  usage: "org set-rate-limit --org ORG_ID --per-minute N --burst B",
  summary: "set an organisation's sustained requests per minute and burst",
  async run(flags, { runtime }) {
    const id = requireString("org set-rate-limit", flags, "org");
    const perMinute = requirePositiveInteger("org set-rate-limit", flags, "per-minute");
    const burst = requirePositiveInteger("org set-rate-limit", flags, "burst");
    const organisation = await inOrganisation(runtime, id, ({ provisioning }, em, operator) =>
      provisioning.setRateLimit(em, operator, { perMinute, burst }),
    );
    return {
      json: { id: organisation.id, rate_limit_per_minute: perMinute, rate_limit_burst: burst },
      text: `organisation ${organisation.id}: ${perMinute} requests a minute, bursts of ${burst}`,
    };
  },
};

/** orgRequireTotp prints `{"id", "require_admin_totp"}`. */
export const orgRequireTotp: Command = {
  words: ["org", "require-totp"],
  flags: { org: "string", admins: "string" },
  usage: "org require-totp --org ORG_ID --admins on|off",
  summary: "require admins to use a TOTP second factor (on: admins without one can only enrol)",
  async run(flags, { runtime }) {
    const id = requireString("org require-totp", flags, "org");
    const admins = requireString("org require-totp", flags, "admins");
    if (admins !== "on" && admins !== "off")
      throw new UsageError(`ddctl org require-totp: --admins must be on or off, got "${admins}"`);
    const organisation = await inOrganisation(runtime, id, ({ provisioning }, em, operator) =>
      provisioning.requireAdminTotp(em, operator, admins === "on"),
    );
    return {
      json: { id: organisation.id, require_admin_totp: organisation.requireAdminTotp },
      text: `organisation ${organisation.id}: TOTP ${organisation.requireAdminTotp ? "required" : "not required"} of admins`,
    };
  },
};
