/**
 * key.ts holds the API key commands. create and rotate print the secret, once; list never shows a
 * secret or digest. revoke and rotate find the key's organisation from its id, then act in that
 * organisation's transaction like any request would, and announce the change on Redis (when
 * REDIS_URL is set) so running servers drop the key from their caches at once.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { NotFoundError } from "../modules/errors.js";
import type { Acting } from "../modules/identity/acting.js";
import { ApiKey } from "../modules/identity/api-key.entity.js";
import { apiKeyState } from "../modules/identity/api-key.service.js";
import { scopeNames, unknownScopes } from "../modules/identity/scopes.js";
import type { IdCursor } from "../platform/db/keyset-page.js";
import { acrossTenants, withTenant } from "../platform/db/tenant-session.js";
import { type Flags, optionalString, requireString, UsageError } from "./args.js";
import type { Command, CommandContext } from "./command.js";
import { DurationError, parseDuration } from "./durations.js";
import { inOrganisation } from "./in-organisation.js";

const listPageSize = 100;

function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

function operator(organisationId: string): Acting {
  return { organisationId, actor: "operator" };
}

function durationFlag(command: string, flags: Flags, name: string): number | undefined {
  const raw = optionalString(flags, name);
  if (raw === undefined) return undefined;
  try {
    return parseDuration(raw);
  } catch (error) {
    if (error instanceof DurationError) throw new UsageError(`ddctl ${command}: --${name}: ${error.message}`);
    throw error;
  }
}

function scopesFlag(flags: Flags): string[] {
  const scopes = requireString("key create", flags, "scopes")
    .split(",")
    .map((scope) => scope.trim())
    .filter((scope) => scope !== "");
  const unknown = unknownScopes(scopes);
  if (scopes.length === 0 || unknown.length > 0) {
    const what = unknown.length > 0 ? `unknown scope ${unknown.join(", ")}` : "no scope given";
    throw new UsageError(`ddctl key create: --scopes: ${what} (known: ${scopeNames.join(", ")})`);
  }
  return scopes;
}

/**
 * asKeyOwner finds which organisation a key belongs to (the one lookup across organisations, by
 * primary key), then runs `work` in that organisation's transaction, as any request would.
 */
async function asKeyOwner<T>(
  context: CommandContext,
  id: string,
  work: (em: EntityManager, organisationId: string) => Promise<T>,
): Promise<T> {
  const { orm } = await context.runtime.database();
  const key = await acrossTenants(orm, "operator command", (em) => em.findOne(ApiKey, { id }, { filters: false }));
  if (!key) throw new NotFoundError("API key", id);
  const organisationId = key.organisation.id;
  return withTenant(orm, organisationId, (em) => work(em, organisationId));
}

function staleCacheNote(context: CommandContext): string {
  return context.reachesServers
    ? ""
    : "\nnote: REDIS_URL is not set, so a server on the same PostgreSQL may accept the old key for up to 30 s more";
}

/** keyCreate prints `{"id": "AK…", "key": "dd_…", "scopes": […], "expire_time": ISO or null}`. */
export const keyCreate: Command = {
  words: ["key", "create"],
  flags: { org: "string", name: "string", scopes: "string", "expires-in": "string" },
  usage: `key create --org ORG_ID --name NAME --scopes a,b [--expires-in 90d]`,
  summary: "issue an API key with the given scopes; its secret is printed once",
  async run(flags, { runtime }) {
    const organisationId = requireString("key create", flags, "org");
    const name = requireString("key create", flags, "name");
    const scopes = scopesFlag(flags);
    const ttlSeconds = durationFlag("key create", flags, "expires-in");

    const { key, secret } = await inOrganisation(runtime, organisationId, ({ apiKeys }, em, operator) =>
      apiKeys.create(em, operator, { name, scopes, ttlSeconds }),
    );
    return {
      json: { id: key.id, key: secret, scopes: key.scopes, expire_time: iso(key.expireTime) },
      text: [
        `created API key ${key.id} "${key.name}" in organisation ${organisationId}`,
        `scopes: ${key.scopes.join(", ")}; expires: ${iso(key.expireTime) ?? "never"}`,
        `key: ${secret}`,
        "this key is shown once and cannot be shown again: store it now",
      ].join("\n"),
    };
  },
};

/** keyList prints `{"api_keys": [{id, name, scopes, display_prefix, create_time, expire_time, revoke_time, last_use_time, state}]}`, newest first, revoked keys included. */
export const keyList: Command = {
  words: ["key", "list"],
  flags: { org: "string" },
  usage: "key list --org ORG_ID",
  summary: "list an organisation's API keys, newest first (never their secrets)",
  async run(flags, { runtime }) {
    const organisationId = requireString("key list", flags, "org");
    const app = await runtime.services({ announce: false });
    const keys = await inOrganisation(runtime, organisationId, async (_app, em) => {
      const all: ApiKey[] = [];
      for (let after: IdCursor | undefined; ; ) {
        const page = await app.apiKeys.list(em, { size: listPageSize, after }, true);
        all.push(...page.items);
        if (!page.hasMore) return all;
        after = page.cursor;
      }
    });
    const now = app.clock.now();
    const rows = keys.map((key) => ({
      id: key.id,
      name: key.name,
      scopes: key.scopes,
      display_prefix: key.displayPrefix,
      create_time: iso(key.createTime),
      expire_time: iso(key.expireTime),
      revoke_time: iso(key.revokeTime),
      last_use_time: iso(key.lastUseTime),
      state: apiKeyState(key, now),
    }));
    const text =
      rows.length === 0
        ? `organisation ${organisationId} has no API keys`
        : rows
            .map(
              (r) =>
                `${r.id}  ${r.display_prefix}…  ${r.state.padEnd(7)}  "${r.name}"  [${r.scopes.join(",")}]  ` +
                `created ${r.create_time}  expires ${r.expire_time ?? "never"}  last used ${r.last_use_time ?? "never"}`,
            )
            .join("\n");
    return { json: { api_keys: rows }, text };
  },
};

/** keyRevoke prints `{"id", "revoke_time"}`; revoking a revoked key changes nothing and says when it was. */
export const keyRevoke: Command = {
  words: ["key", "revoke"],
  flags: { id: "string" },
  usage: "key revoke --id AK…",
  summary: "revoke an API key at once, on every server",
  async run(flags, context) {
    const id = requireString("key revoke", flags, "id");
    const app = await context.runtime.services({ announce: true });
    const key = await asKeyOwner(context, id, (em, organisationId) =>
      app.apiKeys.revoke(em, operator(organisationId), id),
    );
    return {
      json: { id: key.id, revoke_time: iso(key.revokeTime) },
      text: `revoked API key ${key.id} at ${iso(key.revokeTime)}${staleCacheNote(context)}`,
    };
  },
};

/** keyRotate prints `{"id": new id, "key": new secret, "replaces": old id, "grace_end": ISO}`. */
export const keyRotate: Command = {
  words: ["key", "rotate"],
  flags: { id: "string", grace: "string" },
  usage: "key rotate --id AK… [--grace 24h]",
  summary: "issue a replacement key with the same scopes; the old one works until the grace ends (0s: at once)",
  async run(flags, context) {
    const id = requireString("key rotate", flags, "id");
    const graceSeconds = durationFlag("key rotate", flags, "grace");
    const app = await context.runtime.services({ announce: true });
    const { key, secret, previous } = await asKeyOwner(context, id, (em, organisationId) =>
      app.apiKeys.rotate(em, operator(organisationId), id, graceSeconds),
    );
    // The old key stops at its revoke time (grace 0) or its expire time, which rotation moved to the grace end.
    const graceEnd = iso(previous.revokeTime ?? previous.expireTime);
    return {
      json: { id: key.id, key: secret, replaces: previous.id, grace_end: graceEnd },
      text: [
        `rotated API key ${previous.id} into ${key.id}; ${previous.id} works until ${graceEnd}`,
        `key: ${secret}`,
        `this key is shown once and cannot be shown again: store it now${staleCacheNote(context)}`,
      ].join("\n"),
    };
  },
};
