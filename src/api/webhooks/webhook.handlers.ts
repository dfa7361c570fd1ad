/**
 * webhook.handlers.ts serves WebhookEndpointService: translate the request, call WebhookEndpoints,
 * translate the answer. Access (signed-in admins only) is declared in the contract and checked by
 * the chain.
 */
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  type WebhookEndpoint as WebhookEndpointMessage,
  WebhookEndpointService,
} from "../../../gen/dd/v1/webhooks_pb.js";
import type { EndpointFields, WebhookEndpoints } from "../../modules/webhooks/webhook-endpoints.js";
import type { Clock } from "../../platform/clock.js";
import { requireEntityManager, requireWriter } from "../../rpc/context.js";
import { isIdOf, nextPageToken, readPage } from "../../rpc/pagination.js";
import { readEnumFilter } from "../../rpc/request-values.js";
import {
  deliveryStateFromProto,
  deliveryToProto,
  endpointStateFromProto,
  endpointToProto,
  storedEventTypes,
} from "./webhook.mapper.js";

// Endpoints and deliveries are listed newest first by id: a page token holds the last one's id.
const endpointCursor = { id: isIdOf("WE") };
const deliveryCursor = { id: isIdOf("WD") };

/** registerWebhookEndpointService serves WebhookEndpointService with the given endpoints. */
export function registerWebhookEndpointService(router: ConnectRouter, endpoints: WebhookEndpoints, clock: Clock): void {
  router.service(WebhookEndpointService, {
    async createWebhookEndpoint(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const issued = await endpoints.create(em, acting, fieldsOf(req.webhookEndpoint));
      return { webhookEndpoint: endpointToProto(issued.endpoint, clock.now()), secret: issued.secret };
    },
    async listWebhookEndpoints(req, ctx) {
      const page = readPage(ctx, req.pageSize, req.pageToken, {}, endpointCursor);
      const found = await endpoints.list(await requireEntityManager(ctx), page);
      const now = clock.now();
      return {
        webhookEndpoints: found.items.map((e) => endpointToProto(e, now)),
        nextPageToken: nextPageToken(ctx, found, {}),
      };
    },
    async getWebhookEndpoint(req, ctx) {
      return endpointToProto(await endpoints.get(await requireEntityManager(ctx), req.webhookEndpointId), clock.now());
    },
    async updateWebhookEndpoint(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const id = req.webhookEndpoint?.id ?? "";
      const updated = await endpoints.update(em, acting, id, fieldsOf(req.webhookEndpoint), req.updateMask?.paths);
      return endpointToProto(updated, clock.now());
    },
    async deleteWebhookEndpoint(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      await endpoints.delete(em, acting, req.webhookEndpointId);
      return {};
    },
    async rotateWebhookEndpointSecret(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const grace = req.gracePeriod ? durationMs(req.gracePeriod) / 1000 : undefined;
      const rotated = await endpoints.rotateSecret(em, acting, req.webhookEndpointId, grace);
      return { webhookEndpoint: endpointToProto(rotated.endpoint, clock.now()), secret: rotated.secret };
    },
    async listWebhookDeliveries(req, ctx) {
      const states = readEnumFilter(req.state, deliveryStateFromProto, "state");
      const filters = { webhookEndpointId: req.webhookEndpointId, states: states.join(",") };
      const page = readPage(ctx, req.pageSize, req.pageToken, filters, deliveryCursor);
      const found = await endpoints.listDeliveries(
        await requireEntityManager(ctx),
        req.webhookEndpointId,
        states,
        page,
      );
      return { deliveries: found.items.map(deliveryToProto), nextPageToken: nextPageToken(ctx, found, filters) };
    },
    async retryWebhookDelivery(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      return deliveryToProto(await endpoints.retryDelivery(em, acting, req.deliveryId));
    },
  });
}

/** fieldsOf reads an endpoint of a request as plain values (absent: all empty). */
function fieldsOf(endpoint: WebhookEndpointMessage | undefined): EndpointFields {
  return {
    url: endpoint?.url ?? "",
    eventTypes: storedEventTypes(endpoint?.eventTypes ?? []),
    description: endpoint?.description ?? "",
    state: endpoint ? endpointStateFromProto(endpoint.state) : undefined,
  };
}
