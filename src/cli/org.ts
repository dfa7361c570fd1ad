/**
 * org.ts holds the organisation commands: create a live or sandbox organisation, and set its rate
 * limit (read by the per-organisation limiter).
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { NotFoundError } from "../modules/errors.js";
import { Organisation } from "../modules/identity/organisation.entity.js";
import { requirePositiveInteger, requireString } from "./args.js";
import type { Command } from "./command.js";

/** findOrganisation loads an organisation or throws NotFoundError naming the id. */
export async function findOrganisation(em: EntityManager, id: string): Promise<Organisation> {
  // Organisation is not a tenant entity, so no filter applies: this is a plain lookup by primary key.
  const organisation = await em.findOne(Organisation, { id });
  if (!organisation) throw new NotFoundError("organisation", id);
  return organisation;
}

/** orgCreate prints `{"id": "OR…", "name": …, "sandbox": bool}`. */
export const orgCreate: Command = {
  words: ["org", "create"],
  flags: { name: "string", sandbox: "boolean" },
  usage: "org create --name NAME [--sandbox]",
  summary: "create an organisation (--sandbox: dd_test_ keys, never reaches Bacs)",
  async run(flags, { runtime }) {
    const name = requireString("org create", flags, "name");
    const sandbox = flags.sandbox === true;
    const em = (await runtime.database()).orm.em.fork();
    const organisation = await (await runtime.services({ announce: false })).provisioning.createOrganisation(em, {
      name,
      sandbox,
    });
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
    const em = (await runtime.database()).orm.em.fork();
    const { provisioning } = await runtime.services({ announce: false });
    const organisation = await provisioning.setRateLimit(
      em,
      { organisationId: id, actor: "operator" },
      { perMinute, burst },
    );
    return {
      json: { id: organisation.id, rate_limit_per_minute: perMinute, rate_limit_burst: burst },
      text: `organisation ${organisation.id}: ${perMinute} requests a minute, bursts of ${burst}`,
    };
  },
};
