/**
 * org.ts holds the organisation commands: create a live or sandbox organisation, set its Bacs
 * identity (the service user number and the name payers see), set its rate limit (read by the
 * per-organisation limiter), and require TOTP of its admins.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Acting } from "../modules/identity/acting.js";
import { bacsIdentityViolations } from "../modules/identity/bacs-identity.js";
import type { Organisation } from "../modules/identity/organisation.entity.js";
import type { Provisioning } from "../modules/identity/provisioning.js";
import { acrossTenants } from "../platform/db/tenant-session.js";
import {
  type Flags,
  optionalString,
  requireChoice,
  requirePositiveInteger,
  requireString,
  UsageError,
} from "./args.js";
import type { Command } from "./command.js";
import { inOrganisation } from "./in-organisation.js";
import type { CliRuntime } from "./runtime.js";

/** The flag that gives each field of an organisation's Bacs identity. */
const bacsFlags = { service_user_number: "sun", bacs_display_name: "display-name" } as const;

/**
 * bacsIdentityFlags reads --sun and --display-name and checks them before the database is opened:
 * a usage error names each bad flag and what it got. Absent flags stay undefined, which only a
 * sandbox organisation may leave them.
 */
function bacsIdentityFlags(
  command: string,
  flags: Flags,
  sandbox: boolean,
): { serviceUserNumber?: string; bacsDisplayName?: string } {
  const given = {
    serviceUserNumber: optionalString(flags, "sun"),
    bacsDisplayName: optionalString(flags, "display-name"),
  };
  const violations = bacsIdentityViolations({ sandbox, ...given });
  if (violations.length > 0) {
    const problems = violations.map((v) => {
      const flag = bacsFlags[v.field as keyof typeof bacsFlags];
      const value = flags[flag];
      return typeof value === "string"
        ? `--${flag} ${v.description}, got ${JSON.stringify(value)}`
        : `--${flag} ${v.description} (or give --sandbox)`;
    });
    throw new UsageError(`ddctl ${command}: ${problems.join("; ")}`);
  }
  return {
    ...(given.serviceUserNumber === undefined ? {} : { serviceUserNumber: given.serviceUserNumber }),
    ...(given.bacsDisplayName === undefined ? {} : { bacsDisplayName: given.bacsDisplayName }),
  };
}

/** bacsIdentityJson is an organisation's Bacs identity as the org commands print it (null: none). */
function bacsIdentityJson(organisation: Organisation): Record<string, string | null> {
  return {
    service_user_number: organisation.serviceUserNumber ?? null,
    bacs_display_name: organisation.bacsDisplayName ?? null,
  };
}

/** orgCreate prints `{"id": "OR…", "name", "sandbox": bool, "service_user_number", "bacs_display_name"}`. */
export const orgCreate: Command = {
  words: ["org", "create"],
  flags: { name: "string", sandbox: "boolean", sun: "string", "display-name": "string" },
  usage: "org create --name NAME [--sun NNNNNN] [--display-name NAME] [--sandbox]",
  summary:
    "create an organisation; a live one needs --sun and --display-name (--sandbox: dd_test_ keys, never reaches Bacs)",
  async run(flags, { runtime }) {
    const name = requireString("org create", flags, "name");
    const sandbox = flags.sandbox === true;
    const bacs = bacsIdentityFlags("org create", flags, sandbox);
    const { orm } = await runtime.database();
    const { provisioning } = await runtime.services({ announce: false });
    // A new organisation has no id to scope to until it is created.
    const organisation = await acrossTenants(orm, "provisioning", (em) =>
      provisioning.createOrganisation(em, { name, sandbox, ...bacs }),
    );
    const sun = organisation.serviceUserNumber ? `, service user number ${organisation.serviceUserNumber}` : "";
    return {
      json: {
        id: organisation.id,
        name: organisation.name,
        sandbox: organisation.sandbox,
        ...bacsIdentityJson(organisation),
      },
      text: `created ${organisation.sandbox ? "sandbox" : "live"} organisation ${organisation.id} "${organisation.name}"${sun}, shown to payers as "${organisation.bacsDisplayName}"`,
    };
  },
};

/**
 * targetOrganisation reads the --org every settings command takes, first, so that a missing --org
 * is what a command with no flags says, and returns how to change that organisation (in its
 * transaction, as the operator) once the command's other flags are checked.
 */
function targetOrganisation(
  command: string,
  flags: Flags,
  runtime: CliRuntime,
): (
  change: (provisioning: Provisioning, em: EntityManager, operator: Acting) => Promise<Organisation>,
) => Promise<Organisation> {
  const id = requireString(command, flags, "org");
  return (change) =>
    inOrganisation(runtime, id, ({ provisioning }, em, operator) => change(provisioning, em, operator));
}

/** orgSetBacs prints `{"id", "service_user_number", "bacs_display_name"}`. */
export const orgSetBacs: Command = {
  words: ["org", "set-bacs"],
  flags: { org: "string", sun: "string", "display-name": "string" },
  usage: "org set-bacs --org ORG_ID --sun NNNNNN --display-name NAME",
  summary: "set the Bacs service user number (6 digits) and the name payers see (1-18 of A-Z 0-9 space & - . /)",
  async run(flags, { runtime }) {
    const inTarget = targetOrganisation("org set-bacs", flags, runtime);
    const serviceUserNumber = requireString("org set-bacs", flags, "sun");
    const bacsDisplayName = requireString("org set-bacs", flags, "display-name");
    // Both flags are present by now: checked as for a live organisation, only their values can fail.
    bacsIdentityFlags("org set-bacs", flags, false);
    const organisation = await inTarget((provisioning, em, operator) =>
      provisioning.setBacsIdentity(em, operator, { serviceUserNumber, bacsDisplayName }),
    );
    return {
      json: { id: organisation.id, ...bacsIdentityJson(organisation) },
      text: `organisation ${organisation.id}: service user number ${organisation.serviceUserNumber}, shown to payers as "${organisation.bacsDisplayName}"`,
    };
  },
};

/** orgSetNotices prints `{"id", "advance_notice_working_days", "payer_notices_by"}`. */
export const orgSetNotices: Command = {
  words: ["org", "set-notices"],
  flags: { org: "string", "notice-days": "string", sender: "string" },
  usage: "org set-notices --org ORG_ID --notice-days N --sender service|organisation",
  summary: "set the advance notice period (3-30 working days) and who emails payers their notices",
  async run(flags, { runtime }) {
    const inTarget = targetOrganisation("org set-notices", flags, runtime);
    const days = requirePositiveInteger("org set-notices", flags, "notice-days");
    const sender = requireChoice("org set-notices", flags, "sender", ["service", "organisation"]);
    const payerNoticesBy = sender === "service" ? "SERVICE" : "ORGANISATION";
    const organisation = await inTarget((provisioning, em, operator) =>
      provisioning.setPayerNotices(em, operator, { advanceNoticeWorkingDays: days, payerNoticesBy }),
    );
    return {
      json: {
        id: organisation.id,
        advance_notice_working_days: organisation.advanceNoticeWorkingDays,
        payer_notices_by: sender,
      },
      text: `organisation ${organisation.id}: ${days} working days' advance notice, sent by ${sender === "service" ? "this service" : "the organisation"}`,
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
    const inTarget = targetOrganisation("org set-rate-limit", flags, runtime);
    const perMinute = requirePositiveInteger("org set-rate-limit", flags, "per-minute");
    const burst = requirePositiveInteger("org set-rate-limit", flags, "burst");
    const organisation = await inTarget((provisioning, em, operator) =>
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
    const inTarget = targetOrganisation("org require-totp", flags, runtime);
    const admins = requireChoice("org require-totp", flags, "admins", ["on", "off"]);
    const organisation = await inTarget((provisioning, em, operator) =>
      provisioning.requireAdminTotp(em, operator, admins === "on"),
    );
    return {
      json: { id: organisation.id, require_admin_totp: organisation.requireAdminTotp },
      text: `organisation ${organisation.id}: TOTP ${organisation.requireAdminTotp ? "required" : "not required"} of admins`,
    };
  },
};
