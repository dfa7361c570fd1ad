/**
 * entities.ts lists every MikroORM entity of the service. The database (platform/db) takes the list
 * from here rather than importing the modules itself, so infrastructure never depends on the domain.
 */
import type { EntitySchema } from "@mikro-orm/postgresql";
import { Alert } from "./modules/alerts/alert.entity.js";
import { AlertThreshold } from "./modules/alerts/alert-threshold.entity.js";
import { Collection } from "./modules/collections/collection.entity.js";
import { CollectionSchedule } from "./modules/collections/collection-schedule.entity.js";
import { IdempotencyRecord } from "./modules/idempotency/idempotency-record.entity.js";
import { ApiKey } from "./modules/identity/api-key.entity.js";
import { AuditEvent } from "./modules/identity/audit-event.entity.js";
import { Organisation } from "./modules/identity/organisation.entity.js";
import { Session } from "./modules/identity/session.entity.js";
import { User } from "./modules/identity/user.entity.js";
import { Mandate } from "./modules/mandates/mandate.entity.js";
import { MandateInvite } from "./modules/mandates/mandate-invite.entity.js";
import { Notification } from "./modules/notifications/notification.entity.js";
import { PayerEmail } from "./modules/payer-notices/payer-email.entity.js";
import { WebhookDelivery } from "./modules/webhooks/webhook-delivery.entity.js";
import { WebhookEndpoint } from "./modules/webhooks/webhook-endpoint.entity.js";
import { WebhookEvent } from "./modules/webhooks/webhook-event.entity.js";

/** entities is every table the service maps, in no particular order. */
export const entities: readonly EntitySchema[] = [
  Organisation,
  AuditEvent,
  User,
  Session,
  ApiKey,
  Mandate,
  MandateInvite,
  Notification,
  IdempotencyRecord,
  CollectionSchedule,
  Collection,
  AlertThreshold,
  Alert,
  PayerEmail,
  WebhookEndpoint,
  WebhookEvent,
  WebhookDelivery,
];
