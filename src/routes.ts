/**
 * routes.ts registers every dd.v1 service on the router. A method without an implementation answers
 * UNIMPLEMENTED (after authentication and authorization, like any other call) until the issue that
 * builds it lands; see the README's status table.
 */
import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { AlertService } from "../gen/dd/v1/alerts_pb.js";
import { ApiKeyService } from "../gen/dd/v1/api_keys_pb.js";
import { CollectionService } from "../gen/dd/v1/collections_pb.js";
import { MandateInviteService, MandateService } from "../gen/dd/v1/mandates_pb.js";
import { ReportService } from "../gen/dd/v1/reports_pb.js";
import { SandboxService } from "../gen/dd/v1/sandbox_pb.js";
import { SessionService } from "../gen/dd/v1/sessions_pb.js";
import type { App } from "./app.js";
import { registerCollectionService } from "./modules/collections/collection.handlers.js";
import { registerApiKeyService } from "./modules/identity/api-key.handlers.js";
import { registerSessionService } from "./modules/identity/session.handlers.js";
import { registerMandateInviteService } from "./modules/mandates/mandate-invite.handlers.js";
import { registerMandateService } from "./modules/mandates/mandate.handlers.js";
import { registerSandboxService } from "./modules/sandbox/sandbox.handlers.js";

/** The whole public contract, in the order the README lists it. */
export const ddServices: readonly DescService[] = [
  MandateService,
  MandateInviteService,
  CollectionService,
  AlertService,
  ReportService,
  ApiKeyService,
  SessionService,
  SandboxService,
];

/** Services whose RPCs are not built yet: every RPC answers UNIMPLEMENTED. */
const notBuiltYet: readonly DescService[] = [
  AlertService,
  ReportService,
];

/** registerServices registers every dd.v1 service and returns them. */
export function registerServices(router: ConnectRouter, app: App): DescService[] {
  registerApiKeyService(router, app.apiKeys, app.clock);
  registerSessionService(router, app.sessions, app.sessionCookieSecure);
  registerMandateService(router, app.mandates);
  registerMandateInviteService(router, app.mandates);
  registerCollectionService(router, app.collections);
  registerSandboxService(router, app.mandates, app.clock);
  for (const service of notBuiltYet) router.service(service, {});
  return [...ddServices];
}
