/**
 * webhook-endpoints.ts is the organisation's management of its webhook endpoints (signed-in admins,
 * WebhookEndpointService): create (the secret is returned once), list, get, update, delete, rotate
 * the secret with a grace period, list deliveries, retry one. Every change is audited in its flush.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { findPage, type IdCursor, type KeysetPage, type PageRequest } from "../../platform/db/keyset-page.js";
import { lockForChange } from "../../platform/db/lock-for-change.js";
import { ID_LENGTH, newId } from "../../platform/ids.js";
import type { SecretCipher } from "../../platform/secret-cipher.js";
import { FailedPreconditionError, type FieldViolation, InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import { resolveUpdateMask } from "../update-mask.js";
import { deliveryWindowMs } from "./retry-schedule.js";
import { type TargetRules, urlProblem } from "./target-address.js";
import { WebhookDelivery, type WebhookDeliveryStateName } from "./webhook-delivery.entity.js";
import { WebhookEndpoint, type WebhookEndpointStateName } from "./webhook-endpoint.entity.js";
import { generateSigningSecret } from "./webhook-signature.js";

const defaultGraceSeconds = 24 * 3600;
const maxGraceSeconds = 7 * 24 * 3600;

/** EndpointFields are an endpoint's settable fields in plain values (event types as stored names). */
export interface EndpointFields {
  url: string;
  eventTypes: readonly string[];
  description: string;
  state: WebhookEndpointStateName | undefined;
}

/** IssuedEndpoint is an endpoint with its signing secret: returned by create and rotate, and never again. */
export interface IssuedEndpoint {
  endpoint: WebhookEndpoint;
  secret: string;
}

/** WebhookEndpointsOptions: the clock, the cipher that seals secrets, the URL rules and the event names. */
export interface WebhookEndpointsOptions {
  clock: Clock;
  cipher: SecretCipher;
  targets: TargetRules;
  /** Every stored event name that is published as an event. */
  publishedTypes: readonly string[];
}

const updatablePaths = ["url", "event_types", "description", "state"] as const;
type UpdatablePath = (typeof updatablePaths)[number];

/** WebhookEndpoints runs endpoint management on a tenant-scoped EntityManager. */
export class WebhookEndpoints {
  constructor(private readonly options: WebhookEndpointsOptions) {}

  async create(em: EntityManager, acting: Acting, fields: EndpointFields): Promise<IssuedEndpoint> {
    const now = this.options.clock.now();
    const violations: FieldViolation[] = [];
    const url = this.checkUrl(fields.url, violations);
    const eventTypes = this.checkEventTypes(fields.eventTypes, violations);
    const description = checkDescription(fields.description, violations);
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    const id = newId("WE", now.getTime());
    const secret = generateSigningSecret();
    const endpoint = em.create(WebhookEndpoint, {
      id,
      organisation: acting.organisationId,
      url,
      description,
      eventTypes,
      state: fields.state ?? "ENABLED",
      secret: this.options.cipher.seal(Buffer.from(secret, "utf8"), id),
      previousSecret: null,
      previousSecretExpireTime: null,
      failingSinceTime: null,
      createTime: now,
      updateTime: now,
    });
    recordAudit(em, { ...acting, action: "webhook_endpoint.create", target: id, outcome: "success", time: now });
    await em.flush();
    return { endpoint, secret };
  }

  /** list returns one page of the organisation's endpoints, newest first. */
  list(em: EntityManager, page: PageRequest<IdCursor>): Promise<KeysetPage<WebhookEndpoint, IdCursor>> {
    return findPage(em, WebhookEndpoint, {}, { orderBy: ["id"], ...page });
  }

  async get(em: EntityManager, id: string): Promise<WebhookEndpoint> {
    const endpoint = await em.findOne(WebhookEndpoint, { id: requireId(id, "WE", "webhook_endpoint_id") });
    if (!endpoint) throw new NotFoundError("webhook endpoint", id);
    return endpoint;
  }

  /** update changes the fields named by `mask` (AIP-134); enabling an endpoint forgets its failures. */
  async update(
    em: EntityManager,
    acting: Acting,
    id: string,
    fields: EndpointFields,
    mask: readonly string[] | undefined,
  ): Promise<WebhookEndpoint> {
    const violations: FieldViolation[] = [];
    const isSet: Record<UpdatablePath, boolean> = {
      url: fields.url !== "",
      event_types: fields.eventTypes.length > 0,
      description: fields.description !== "",
      state: fields.state !== undefined,
    };
    const paths = resolveUpdateMask(mask, updatablePaths, (path) => isSet[path], violations);
    const url = paths.has("url") ? this.checkUrl(fields.url, violations) : undefined;
    const eventTypes = paths.has("event_types") ? this.checkEventTypes(fields.eventTypes, violations) : undefined;
    const description = paths.has("description") ? checkDescription(fields.description, violations) : undefined;
    if (paths.has("state") && fields.state === undefined)
      violations.push({ field: "webhook_endpoint.state", description: "must be ENABLED or DISABLED" });
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const endpoint = await this.locked(tx, id, "webhook_endpoint.id");
      // A new URL is a new receiver: its predecessor's failures are not its own.
      if (url !== undefined && url !== endpoint.url) endpoint.failingSinceTime = null;
      if (url !== undefined) endpoint.url = url;
      if (eventTypes !== undefined) endpoint.eventTypes = eventTypes;
      if (description !== undefined) endpoint.description = description;
      if (fields.state !== undefined && paths.has("state") && fields.state !== endpoint.state) {
        endpoint.state = fields.state;
        endpoint.failingSinceTime = null;
        // As when it is disabled for failing: what waited for it fails now (and can be retried).
        if (fields.state === "DISABLED")
          await tx.nativeUpdate(
            WebhookDelivery,
            { endpoint: endpoint.id, state: "PENDING" },
            { state: "FAILED", lastError: "the endpoint was disabled" },
          );
      }
      endpoint.updateTime = now;
      recordAudit(tx, {
        ...acting,
        action: "webhook_endpoint.update",
        target: id,
        outcome: `success:${[...paths].join(",")}`,
        time: now,
      });
      return endpoint;
    });
  }

  /** delete removes an endpoint and its deliveries; nothing more is sent to it. */
  async delete(em: EntityManager, acting: Acting, id: string): Promise<void> {
    const now = this.options.clock.now();
    await em.transactional(async (tx) => {
      const endpoint = await this.locked(tx, id);
      await tx.nativeDelete(WebhookDelivery, { endpoint: endpoint.id });
      tx.remove(endpoint);
      recordAudit(tx, { ...acting, action: "webhook_endpoint.delete", target: id, outcome: "success", time: now });
    });
  }

  /** rotateSecret issues a new secret; the old one signs too until the grace period ends (default 24 h). */
  async rotateSecret(
    em: EntityManager,
    acting: Acting,
    id: string,
    graceSeconds: number | undefined,
  ): Promise<IssuedEndpoint> {
    const grace = graceSeconds ?? defaultGraceSeconds;
    if (!(grace >= 0 && grace <= maxGraceSeconds))
      throw InvalidArgumentError.field("grace_period", "must be between 0 and 7 days");
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const endpoint = await this.locked(tx, id);
      const secret = generateSigningSecret();
      endpoint.previousSecret = grace === 0 ? null : endpoint.secret;
      endpoint.previousSecretExpireTime = grace === 0 ? null : new Date(now.getTime() + grace * 1000);
      endpoint.secret = this.options.cipher.seal(Buffer.from(secret, "utf8"), endpoint.id);
      endpoint.updateTime = now;
      recordAudit(tx, {
        ...acting,
        action: "webhook_endpoint.rotate_secret",
        target: id,
        outcome: "success",
        time: now,
      });
      return { endpoint, secret };
    });
  }

  /** listDeliveries returns one page of an endpoint's deliveries, newest first, in the states asked (any if none). */
  async listDeliveries(
    em: EntityManager,
    endpointId: string,
    states: readonly WebhookDeliveryStateName[],
    page: PageRequest<IdCursor>,
  ): Promise<KeysetPage<WebhookDelivery, IdCursor>> {
    const endpoint = await this.get(em, endpointId);
    const where =
      states.length > 0 ? { endpoint: endpoint.id, state: { $in: [...states] } } : { endpoint: endpoint.id };
    return findPage(em, WebhookDelivery, where, { orderBy: ["id"], ...page });
  }

  /**
   * retryDelivery makes a delivery that succeeded or failed due again now, with a new 3-day window;
   * its endpoint must be enabled. A PENDING one is being tried already (perhaps at this moment).
   */
  async retryDelivery(em: EntityManager, acting: Acting, id: string): Promise<WebhookDelivery> {
    requireId(id, "WD", "delivery_id");
    const now = this.options.clock.now();
    return em.transactional(async (tx) => {
      const delivery = await tx.findOne(WebhookDelivery, { id }, { ...lockForChange(), populate: ["endpoint"] });
      if (!delivery) throw new NotFoundError("webhook delivery", id);
      if (delivery.endpoint.getEntity().state !== "ENABLED")
        throw new FailedPreconditionError(
          "ENDPOINT_DISABLED",
          `webhook endpoint ${delivery.endpoint.id} is disabled: enable it first`,
        );
      if (delivery.state === "PENDING")
        throw new FailedPreconditionError(
          "DELIVERY_PENDING",
          `webhook delivery ${id} is still being tried; its next attempt is due ${delivery.nextAttemptTime.toISOString()}`,
        );
      delivery.state = "PENDING";
      delivery.nextAttemptTime = now;
      delivery.giveUpTime = new Date(now.getTime() + deliveryWindowMs);
      recordAudit(tx, { ...acting, action: "webhook_delivery.retry", target: id, outcome: "success", time: now });
      return delivery;
    });
  }

  private async locked(tx: EntityManager, id: string, field = "webhook_endpoint_id"): Promise<WebhookEndpoint> {
    const endpoint = await tx.findOne(WebhookEndpoint, { id: requireId(id, "WE", field) }, lockForChange());
    if (!endpoint) throw new NotFoundError("webhook endpoint", id);
    return endpoint;
  }

  private checkUrl(raw: string, violations: FieldViolation[]): string {
    const url = raw.trim();
    const problem = urlProblem(url, this.options.targets);
    if (problem) violations.push({ field: "webhook_endpoint.url", description: problem });
    return url;
  }

  private checkEventTypes(types: readonly string[], violations: FieldViolation[]): string[] {
    const unique = [...new Set(types)];
    if (unique.length === 0)
      violations.push({ field: "webhook_endpoint.event_types", description: "must name at least one event type" });
    const unknown = unique.filter((t) => !this.options.publishedTypes.includes(t));
    if (unknown.length > 0)
      violations.push({ field: "webhook_endpoint.event_types", description: "must name only known event types" });
    return unique;
  }
}

function checkDescription(raw: string, violations: FieldViolation[]): string {
  const description = raw.trim();
  if ([...description].length > 200)
    violations.push({ field: "webhook_endpoint.description", description: "must be at most 200 characters" });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  if (/[\u0000-\u001f\u007f]/.test(description))
    violations.push({ field: "webhook_endpoint.description", description: "must not hold control characters" });
  return description;
}

/** requireId refuses, before any query, an id that cannot be one of ours (NOT_FOUND, as a missing one). */
function requireId(id: string, prefix: string, field: string): string {
  if (id === "") throw InvalidArgumentError.field(field, "is required");
  if (!id.startsWith(prefix) || id.length > ID_LENGTH)
    throw new NotFoundError(field === "delivery_id" ? "webhook delivery" : "webhook endpoint", id);
  return id;
}
