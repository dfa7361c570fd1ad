/**
 * api-key.handlers.ts serves ApiKeyService: translate the request, call ApiKeyManager, translate the
 * answer. Access (signed-in admins only) is declared in the contract and checked by the chain.
 */
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import { ApiKeyService } from "../../../gen/dd/v1/api_keys_pb.js";
import type { ApiKeyManager } from "../../modules/identity/api-key.service.js";
import type { Clock } from "../../platform/clock.js";
import { requireEntityManager, requireWriter } from "../../rpc/context.js";
import { isIdOf, nextPageToken, readPage } from "../../rpc/pagination.js";
import { readTimestamp } from "../../rpc/request-values.js";
import { apiKeyToProto } from "./identity.mapper.js";

// Keys are listed newest first by id, so a page token holds the id of the page's last one.
const apiKeyCursor = { id: isIdOf("AK") };

/** registerApiKeyService serves ApiKeyService with the given manager. */
export function registerApiKeyService(router: ConnectRouter, apiKeys: ApiKeyManager, clock: Clock): void {
  router.service(ApiKeyService, {
    async createApiKey(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const expiration = req.expiration;
      const issued = await apiKeys.create(em, acting, {
        name: req.name,
        scopes: req.scopes,
        expireTime: expiration.case === "expireTime" ? readTimestamp(expiration.value, "expire_time") : undefined,
        ttlSeconds: expiration.case === "ttl" ? durationMs(expiration.value) / 1000 : undefined,
      });
      return { apiKey: apiKeyToProto(issued.key, clock.now()), secret: issued.secret };
    },
    async listApiKeys(req, ctx) {
      const filters = { showRevoked: req.showRevoked };
      const page = readPage(ctx, req.pageSize, req.pageToken, filters, apiKeyCursor);
      const found = await apiKeys.list(await requireEntityManager(ctx), page, req.showRevoked);
      const now = clock.now();
      return {
        apiKeys: found.items.map((k) => apiKeyToProto(k, now)),
        nextPageToken: nextPageToken(ctx, found, filters),
      };
    },
    async getApiKey(req, ctx) {
      return apiKeyToProto(await apiKeys.get(await requireEntityManager(ctx), req.apiKeyId), clock.now());
    },
    async revokeApiKey(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      return apiKeyToProto(await apiKeys.revoke(em, acting, req.apiKeyId), clock.now());
    },
    async rotateApiKey(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const grace = req.gracePeriod ? durationMs(req.gracePeriod) / 1000 : undefined;
      const rotated = await apiKeys.rotate(em, acting, req.apiKeyId, grace);
      const now = clock.now();
      return {
        apiKey: apiKeyToProto(rotated.key, now),
        secret: rotated.secret,
        previousApiKey: apiKeyToProto(rotated.previous, now),
      };
    },
  });
}
