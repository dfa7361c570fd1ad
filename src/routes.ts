/**
 * routes.ts registers every dd.v1 service on the router. The security suite and the REST route test
 * walk `ddServices`, so a service added to the contract is tested as soon as it is listed here.
 */
import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { AlertService } from "../gen/dd/v1/alerts_pb.js";
import { ApiKeyService } from "../gen/dd/v1/api_keys_pb.js";
import { AuditService } from "../gen/dd/v1/audit_pb.js";
import { BankDetailsService } from "../gen/dd/v1/bank_details_pb.js";
import { CollectionService } from "../gen/dd/v1/collections_pb.js";
import { MandateInviteService, MandateService } from "../gen/dd/v1/mandates_pb.js";
import { ReportService } from "../gen/dd/v1/reports_pb.js";
import { SandboxService } from "../gen/dd/v1/sandbox_pb.js";
import { SessionService } from "../gen/dd/v1/sessions_pb.js";
import { UserService } from "../gen/dd/v1/users_pb.js";
import { WebhookEndpointService } from "../gen/dd/v1/webhooks_pb.js";
import { registerAlertService } from "./api/alerts/alert.handlers.js";
import { registerBankDetailsService } from "./api/bank-accounts/bank-details.handlers.js";
import { registerCollectionService } from "./api/collections/collection.handlers.js";
import { registerApiKeyService } from "./api/identity/api-key.handlers.js";
import { registerAuditService } from "./api/identity/audit.handlers.js";
import { registerSessionService } from "./api/identity/session.handlers.js";
import { registerUserService } from "./api/identity/user.handlers.js";
import { registerMandateService } from "./api/mandates/mandate.handlers.js";
import { mandateDating } from "./api/mandates/mandate-dating.js";
import { registerMandateInviteService } from "./api/mandates/mandate-invite.handlers.js";
import { registerReportService } from "./api/reports/report.handlers.js";
import { registerSandboxService } from "./api/sandbox/sandbox.handlers.js";
import { registerWebhookEndpointService } from "./api/webhooks/webhook.handlers.js";
import type { App } from "./app.js";

/** The whole public contract, in the order the README lists it. */
export const ddServices: readonly DescService[] = [
  MandateService,
  MandateInviteService,
  BankDetailsService,
  CollectionService,
  AlertService,
  ReportService,
  ApiKeyService,
  SessionService,
  UserService,
  AuditService,
  WebhookEndpointService,
  SandboxService,
];

/** registerServices registers every dd.v1 service and returns them. */
export function registerServices(router: ConnectRouter, app: App): DescService[] {
  registerApiKeyService(router, app.apiKeys, app.clock);
  registerSessionService(router, app.sessions, app.secondFactor, app.sessionCookieSecure);
  registerUserService(router, app.users);
  registerAuditService(router);
  const dating = mandateDating(app.clock, app.organisationSettings);
  registerMandateService(
    router,
    { mandates: app.mandates, invites: app.mandateInvites, transitions: app.mandateTransitions },
    dating,
  );
  registerMandateInviteService(router, app.mandateInvites);
  registerBankDetailsService(router, app.bankAccounts);
  registerCollectionService(router, app.collections);
  registerReportService(router, app.reports);
  registerSandboxService(router, app.simulators, dating);
  registerAlertService(router, app.alerts);
  registerWebhookEndpointService(router, app.webhookEndpoints, app.clock);
  return [...ddServices];
}
