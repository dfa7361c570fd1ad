/**
 * The access rules the suite generates its cases from are the published API contract's (its
 * "access" column, which the README's scope table repeats). The generated cases check that the server enforces each
 * RPC's rule; this file checks the rules themselves, so a wrong scope in a proto cannot pass the
 * suite by being enforced faithfully. A new RPC fails here until its access is written down below:
 * adding one is a security decision someone has to make on purpose.
 */
import { describe, expect, it } from "vitest";
import type { ResolvedAccessRule } from "../../src/rpc/access.js";
import { contractRpcs } from "./support/contract-rpcs.js";

/** The contract's access column, as written there. */
const contractAccess: Record<string, string> = {
  "MandateService.CreateMandate": "mandates:write",
  "MandateService.GetMandate": "mandates:read",
  "MandateService.ListMandates": "mandates:read",
  "MandateService.UpdateMandate": "mandates:write",
  "MandateService.CancelMandate": "mandates:write",
  "MandateService.SuspendMandate": "mandates:write",
  "MandateService.ReactivateMandate": "mandates:write",
  "MandateService.ResendMandateInvite": "mandates:write",
  "MandateInviteService.GetMandateInvite": "public",
  "MandateInviteService.CompleteMandateInvite": "public",
  "BankDetailsService.ValidateBankDetails": "public",
  "CollectionService.ListCollectionSchedules": "collections:read",
  "CollectionService.GetCollectionSchedule": "collections:read",
  "CollectionService.ListCollections": "collections:read",
  "CollectionService.GetCollection": "collections:read",
  "CollectionService.CreateCollectionSchedule": "session only (admin, member)",
  "CollectionService.CancelCollectionSchedule": "session only (admin, member)",
  "CollectionService.CreateCollection": "session only (admin, member)",
  "CollectionService.RetryCollection": "session only (admin, member)",
  "CollectionService.UpdateCollectionSchedule": "session only (admin, member)",
  "CollectionService.PauseCollectionSchedule": "session only (admin, member)",
  "CollectionService.ResumeCollectionSchedule": "session only (admin, member)",
  "AlertService.ListAlerts": "alerts:read",
  "AlertService.GetAlert": "alerts:read",
  "AlertService.AcknowledgeAlert": "alerts:write",
  "AlertService.ResolveAlert": "alerts:write",
  "AlertService.ListAlertThresholds": "alerts:read",
  "AlertService.UpdateAlertThreshold": "alerts:write",
  "AlertService.ListNotifications": "alerts:read",
  "ReportService.GetCollectionReport": "reports:read",
  "ReportService.GetSuccessRates": "reports:read",
  "ReportService.ListClawbacks": "reports:read",
  "ApiKeyService.CreateApiKey": "session only (admin)",
  "ApiKeyService.ListApiKeys": "session only (admin)",
  "ApiKeyService.GetApiKey": "session only (admin)",
  "ApiKeyService.RevokeApiKey": "session only (admin)",
  "ApiKeyService.RotateApiKey": "session only (admin)",
  "SessionService.SignIn": "public",
  "SessionService.SignOut": "session only",
  "SessionService.GetCurrentSession": "session only",
  "SessionService.ChangePassword": "session only",
  "SessionService.EnrollTotp": "session only",
  "SessionService.ConfirmTotp": "session only",
  "SessionService.DisableTotp": "session only",
  "UserService.ListUsers": "session only (admin)",
  "UserService.GetUser": "session only (admin)",
  "UserService.CreateUser": "session only (admin)",
  "UserService.UpdateUser": "session only (admin)",
  "UserService.DeactivateUser": "session only (admin)",
  "UserService.ResendWelcome": "session only (admin)",
  "UserService.CompleteWelcome": "public",
  "AuditService.ListAuditEvents": "session only (admin)",
  "WebhookEndpointService.CreateWebhookEndpoint": "session only (admin)",
  "WebhookEndpointService.ListWebhookEndpoints": "session only (admin)",
  "WebhookEndpointService.GetWebhookEndpoint": "session only (admin)",
  "WebhookEndpointService.UpdateWebhookEndpoint": "session only (admin)",
  "WebhookEndpointService.DeleteWebhookEndpoint": "session only (admin)",
  "WebhookEndpointService.RotateWebhookEndpointSecret": "session only (admin)",
  "WebhookEndpointService.ListWebhookDeliveries": "session only (admin)",
  "WebhookEndpointService.RetryWebhookDelivery": "session only (admin)",
  "SandboxService.SimulateMandateScenario": "authenticated",
  "SandboxService.SimulateCollectionScenario": "authenticated",
};

/** asWritten spells a resolved rule the way the contract's access column does. */
function asWritten(rule: ResolvedAccessRule): string {
  switch (rule.kind) {
    case "scope":
      return rule.scope;
    case "session_only":
      return rule.roles.length === 0 ? "session only" : `session only (${rule.roles.join(", ")})`;
    case "public":
    case "authenticated":
      return rule.kind;
  }
}

describe("the access rules the security suite is generated from", () => {
  it("are, RPC for RPC, the access column of the contract", () => {
    const served = Object.fromEntries(
      contractRpcs.map((rpc) => [`${rpc.method.parent.name}.${rpc.name}`, asWritten(rpc.rule)]),
    );
    expect(served).toEqual(contractAccess);
  });

  it("give every scope to at least one RPC, so no scope is granted for nothing", () => {
    const used = new Set(contractRpcs.flatMap((rpc) => (rpc.rule.kind === "scope" ? [rpc.rule.scope] : [])));
    expect([...used].sort()).toEqual([
      "alerts:read",
      "alerts:write",
      "collections:read",
      "mandates:read",
      "mandates:write",
      "reports:read",
    ]);
  });
});
