import { fromJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ddServices } from "../../routes.js";
import { createRouteTable } from "./route-table.js";

/** The REST routes of the published API contract, exactly: integrators code against these paths. */
const contract = [
  "POST /v1/mandates MandateService.CreateMandate",
  "GET /v1/mandates/{mandate_id} MandateService.GetMandate",
  "GET /v1/mandates MandateService.ListMandates",
  "PATCH /v1/mandates/{mandate.id} MandateService.UpdateMandate",
  "POST /v1/mandates/{mandate_id}:cancel MandateService.CancelMandate",
  "POST /v1/mandates/{mandate_id}:suspend MandateService.SuspendMandate",
  "POST /v1/mandates/{mandate_id}:reactivate MandateService.ReactivateMandate",
  "POST /v1/mandates/{mandate_id}:resendInvite MandateService.ResendMandateInvite",
  "GET /v1/collectionSchedules CollectionService.ListCollectionSchedules",
  "GET /v1/collectionSchedules/{schedule_id} CollectionService.GetCollectionSchedule",
  "GET /v1/collections CollectionService.ListCollections",
  "GET /v1/collections/{collection_id} CollectionService.GetCollection",
  "GET /v1/mandateInvites/{invite_token} MandateInviteService.GetMandateInvite",
  "POST /v1/bankDetails:validate BankDetailsService.ValidateBankDetails",
  "GET /v1/alerts AlertService.ListAlerts",
  "GET /v1/alerts/{alert_id} AlertService.GetAlert",
  "POST /v1/alerts/{alert_id}:acknowledge AlertService.AcknowledgeAlert",
  "POST /v1/alerts/{alert_id}:resolve AlertService.ResolveAlert",
  "GET /v1/alertThresholds AlertService.ListAlertThresholds",
  "PATCH /v1/alertThresholds/{threshold.id} AlertService.UpdateAlertThreshold",
  "GET /v1/notifications AlertService.ListNotifications",
  "GET /v1/reports/collections ReportService.GetCollectionReport",
  "GET /v1/reports/successRates ReportService.GetSuccessRates",
  "GET /v1/reports/clawbacks ReportService.ListClawbacks",
  "POST /v1/apiKeys ApiKeyService.CreateApiKey",
  "GET /v1/apiKeys ApiKeyService.ListApiKeys",
  "GET /v1/apiKeys/{api_key_id} ApiKeyService.GetApiKey",
  "POST /v1/apiKeys/{api_key_id}:revoke ApiKeyService.RevokeApiKey",
  "POST /v1/apiKeys/{api_key_id}:rotate ApiKeyService.RotateApiKey",
  "POST /v1/sessions:signIn SessionService.SignIn",
  "POST /v1/sessions:signOut SessionService.SignOut",
  "GET /v1/sessions/current SessionService.GetCurrentSession",
  "POST /v1/sessions/current:changePassword SessionService.ChangePassword",
  "POST /v1/sessions/current:enrollTotp SessionService.EnrollTotp",
  "POST /v1/sessions/current:confirmTotp SessionService.ConfirmTotp",
  "POST /v1/sessions/current:disableTotp SessionService.DisableTotp",
  "GET /v1/users UserService.ListUsers",
  "GET /v1/users/{user_id} UserService.GetUser",
  "POST /v1/users UserService.CreateUser",
  "PATCH /v1/users/{user.id} UserService.UpdateUser",
  "POST /v1/users/{user_id}:deactivate UserService.DeactivateUser",
  "POST /v1/users/{user_id}:resendWelcome UserService.ResendWelcome",
  "POST /v1/welcomes/{welcome_token}:complete UserService.CompleteWelcome",
  "GET /v1/auditEvents AuditService.ListAuditEvents",
  "POST /v1/collectionSchedules CollectionService.CreateCollectionSchedule",
  "POST /v1/collectionSchedules/{schedule_id}:cancel CollectionService.CancelCollectionSchedule",
  "POST /v1/collections CollectionService.CreateCollection",
  "POST /v1/collections/{collection_id}:retry CollectionService.RetryCollection",
  "PATCH /v1/collectionSchedules/{schedule.id} CollectionService.UpdateCollectionSchedule",
  "POST /v1/collectionSchedules/{schedule_id}:pause CollectionService.PauseCollectionSchedule",
  "POST /v1/collectionSchedules/{schedule_id}:resume CollectionService.ResumeCollectionSchedule",
  "POST /v1/mandateInvites/{invite_token}:complete MandateInviteService.CompleteMandateInvite",
  "POST /v1/sandbox/mandates/{mandate_id}:simulate SandboxService.SimulateMandateScenario",
  "POST /v1/sandbox/collections/{collection_id}:simulate SandboxService.SimulateCollectionScenario",
  "POST /v1/webhookEndpoints WebhookEndpointService.CreateWebhookEndpoint",
  "GET /v1/webhookEndpoints WebhookEndpointService.ListWebhookEndpoints",
  "GET /v1/webhookEndpoints/{webhook_endpoint_id} WebhookEndpointService.GetWebhookEndpoint",
  "PATCH /v1/webhookEndpoints/{webhook_endpoint.id} WebhookEndpointService.UpdateWebhookEndpoint",
  "DELETE /v1/webhookEndpoints/{webhook_endpoint_id} WebhookEndpointService.DeleteWebhookEndpoint",
  "POST /v1/webhookEndpoints/{webhook_endpoint_id}:rotateSecret WebhookEndpointService.RotateWebhookEndpointSecret",
  "GET /v1/webhookEndpoints/{webhook_endpoint_id}/deliveries WebhookEndpointService.ListWebhookDeliveries",
  "POST /v1/webhookDeliveries/{delivery_id}:retry WebhookEndpointService.RetryWebhookDelivery",
];

describe("the dd.v1 contract's google.api.http annotations", () => {
  const table = createRouteTable(ddServices.flatMap((s) => s.methods));

  it("build into exactly the routes of api-contract.md", () => {
    const actual = table.routes.map((r) => `${r.verb} ${r.template.source} ${r.method.parent.name}.${r.method.name}`);
    expect(actual.sort()).toEqual([...contract].sort());
  });

  it("route a custom method rather than the Get on the same id", () => {
    const m = table.match("POST", "/v1/mandates/MD123:cancel");
    expect(m.kind === "found" && m.route.method.name).toBe("CancelMandate");
    expect(table.match("GET", "/v1/mandates/MD123:cancel")).toEqual({ kind: "method-not-allowed", allow: ["POST"] });
  });

  it("map ListMandates query parameters, by proto and JSON names, to a request the handler accepts", () => {
    const m = table.match("GET", "/v1/mandates");
    if (m.kind !== "found") throw new Error("no route");
    const json = m.route.mapping.toJson({
      pathValues: m.pathValues,
      query: new URLSearchParams("state=MANDATE_STATE_ACTIVE&page_size=10&pageToken=abc"),
      body: undefined,
    });
    const req = fromJson(m.route.method.input, json);
    expect(req).toMatchObject({ pageSize: 10, pageToken: "abc" });
  });
});
