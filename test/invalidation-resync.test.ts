/**
 * Pub/sub drops messages sent while a subscriber is away, so a replica flushes its key cache when its
 * invalidation connection comes back: a revocation it never heard of takes effect all the same.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKey } from "../src/modules/identity/api-key.entity.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => (server = await startTestServer()));
afterAll(async () => server?.close());

const status = (secret: string) =>
  fetch(`${server.baseUrl}/v1/mandates/MD1`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status);

describe("key cache resync", () => {
  it("flushes the cache when the invalidation connection returns", async () => {
    const org = await newOrganisation(server);
    const key = await newApiKey(server, org);
    expect(await status(key.secret)).toBe(404); // verified and cached
    // Revoke behind the service's back: no invalidation message is sent.
    const em = scopeToOrganisation(server.admin.em.fork(), org);
    await em.nativeUpdate(ApiKey, { id: key.id }, { revokeTime: new Date() });
    expect(await status(key.secret)).toBe(404); // still cached, as designed

    const redis = server.redis!;
    const name = `${server.redisKeyPrefix}apikeys:invalidate:subscriber`;
    const clients = (await redis.sendCommand(["CLIENT", "LIST", "TYPE", "pubsub"])) as string;
    const id = clients
      .split("\n")
      .find((line) => line.includes(` name=${name} `))
      ?.match(/^id=(\d+)/)?.[1];
    expect(id, `no subscriber named ${name}`).toBeDefined();
    await redis.sendCommand(["CLIENT", "KILL", "ID", id!]);

    const start = performance.now();
    while ((await status(key.secret)) !== 401 && performance.now() - start < 5_000)
      await new Promise((r) => setTimeout(r, 20));
    expect(await status(key.secret)).toBe(401);
  });
});
