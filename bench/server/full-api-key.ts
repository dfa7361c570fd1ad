/**
 * full-api-key.ts is the real server, on Redis, with bench.v1.ProbeService added and an organisation
 * holding a mandates:read API key, handed to the rows as fixtures.apiKey: every request with it goes
 * through authenticate (cache hit after the first), authorize, the rate limit (one Lua call to Redis)
 * and tenant scope, exactly as a DD call does.
 */

import type { App } from "../../src/app.js";
import { Organisation } from "../../src/modules/identity/organisation.entity.js";
import type { Database } from "../../src/platform/db/database.js";
import { acrossTenants, withTenant } from "../../src/platform/db/tenant-session.js";
import { registerServices } from "../../src/routes.js";
import { startFullServer } from "./full.js";
import { ProbeService, ping } from "./probe-service.js";
import type { StartedServer } from "./started.js";

/**
 * startFullApiKeyServer starts the full server with the probe and seeds the key; without Redis the
 * limiter decides in process (one replica), which shows what the Redis round trip costs.
 */
export async function startFullApiKeyServer(
  defer: (cleanup: () => Promise<void>) => void,
  redis = true,
): Promise<StartedServer> {
  return startFullServer(defer, {
    redis,
    registerRoutes: (router, app) => {
      router.rpc(ping, () => ({}));
      return [...registerServices(router, app), ProbeService];
    },
    seed: seedApiKey,
  });
}

/**
 * seedApiKey creates the bench organisation and its key (mandates:read unless told): fixtures
 * apiKey (the secret) and organisationId.
 */
export async function seedApiKey(
  { orm, app }: { orm: Database["orm"]; app: App },
  scopes: readonly string[] = ["mandates:read"],
): Promise<Record<string, string>> {
  const organisation = await acrossTenants(orm, "provisioning", (em) =>
    app.provisioning.createOrganisation(em, {
      name: "Bench",
      sandbox: false,
      serviceUserNumber: "123456",
      bacsDisplayName: "BENCH",
    }),
  );
  const { secret } = await withTenant(orm, organisation.id, async (em) => {
    // A limit the load never reaches: the rows measure the cost of checking it, not refusals.
    await em.nativeUpdate(
      Organisation,
      { id: organisation.id },
      { rateLimitPerMinute: 1_000_000_000, rateLimitBurst: 1_000_000 },
    );
    return app.apiKeys.create(em, { organisationId: organisation.id, actor: "operator" }, { name: "bench", scopes });
  });
  return { apiKey: secret, organisationId: organisation.id };
}
