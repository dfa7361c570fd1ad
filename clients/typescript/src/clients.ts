/**
 * clients.ts builds the typed client of every service of the Direct Debit API on one transport,
 * with what every call needs: the API key as a Bearer token, an Idempotency-Key per logical write,
 * and the retry policy (retry.ts).
 */
import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { AlertService } from "./gen/dd/v1/alerts_pb.js";
import { ApiKeyService } from "./gen/dd/v1/api_keys_pb.js";
import { AuditService } from "./gen/dd/v1/audit_pb.js";
import { BankDetailsService } from "./gen/dd/v1/bank_details_pb.js";
import { CollectionService } from "./gen/dd/v1/collections_pb.js";
import { MandateInviteService, MandateService } from "./gen/dd/v1/mandates_pb.js";
import { ReportService } from "./gen/dd/v1/reports_pb.js";
import { SandboxService } from "./gen/dd/v1/sandbox_pb.js";
import { SessionService } from "./gen/dd/v1/sessions_pb.js";
import { UserService } from "./gen/dd/v1/users_pb.js";
import { WebhookEndpointService } from "./gen/dd/v1/webhooks_pb.js";
import { idempotencyKeyInterceptor } from "./idempotency.js";
import { type RetryOptions, retryDefaults, retryInterceptor } from "./retry.js";

/** DirectDebitClient has one typed client per service. */
export interface DirectDebitClient {
  mandates: Client<typeof MandateService>;
  mandateInvites: Client<typeof MandateInviteService>;
  bankDetails: Client<typeof BankDetailsService>;
  collections: Client<typeof CollectionService>;
  alerts: Client<typeof AlertService>;
  reports: Client<typeof ReportService>;
  apiKeys: Client<typeof ApiKeyService>;
  sessions: Client<typeof SessionService>;
  users: Client<typeof UserService>;
  audit: Client<typeof AuditService>;
  webhookEndpoints: Client<typeof WebhookEndpointService>;
  sandbox: Client<typeof SandboxService>;
}

/** ClientOptions are what every transport shares. */
export interface ClientOptions {
  /** The service's address, for example https://dd.example.com. */
  baseUrl: string;
  /** An organisation's API key (dd_live_… or dd_test_…); omit it for the public RPCs only. */
  apiKey?: string;
  retry?: RetryOptions;
  /** Runs inside the client's own, once per attempt (after the key and the Idempotency-Key are set). */
  interceptors?: Interceptor[];
}

/**
 * callInterceptors is the chain every transport gets: the Bearer token and the Idempotency-Key,
 * outside the retries, so that each retry of one call carries the same key.
 */
export function callInterceptors(options: ClientOptions): Interceptor[] {
  const bearer: Interceptor = (next) => (req) => {
    if (options.apiKey) req.header.set("authorization", `Bearer ${options.apiKey}`);
    return next(req);
  };
  return [bearer, idempotencyKeyInterceptor(), retryInterceptor(options.retry), ...(options.interceptors ?? [])];
}

/**
 * transportSettings are what every transport takes: the address, the chain, and a timeout for the
 * whole call, its retries included (the retry policy's deadline).
 */
export function transportSettings(options: ClientOptions) {
  return {
    baseUrl: options.baseUrl,
    interceptors: callInterceptors(options),
    defaultTimeoutMs: options.retry?.deadlineMs ?? retryDefaults.deadlineMs,
  };
}

/** clientsOn makes the client of every service on `transport`. */
export function clientsOn(transport: Transport): DirectDebitClient {
  return {
    mandates: createClient(MandateService, transport),
    mandateInvites: createClient(MandateInviteService, transport),
    bankDetails: createClient(BankDetailsService, transport),
    collections: createClient(CollectionService, transport),
    alerts: createClient(AlertService, transport),
    reports: createClient(ReportService, transport),
    apiKeys: createClient(ApiKeyService, transport),
    sessions: createClient(SessionService, transport),
    users: createClient(UserService, transport),
    audit: createClient(AuditService, transport),
    webhookEndpoints: createClient(WebhookEndpointService, transport),
    sandbox: createClient(SandboxService, transport),
  };
}
