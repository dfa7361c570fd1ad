/**
 * Webhooks is where admins say where the organisation's events are pushed: add an endpoint (its
 * signing secret shown once), disable or enable it, rotate its secret, delete it, and see its
 * deliveries, retrying one that failed. An endpoint failing every attempt shows since when; after 3
 * days the service disables it.
 */
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import type { NotificationType } from "../../../../gen/dd/v1/alerts_pb.js";
import {
  type WebhookEndpoint,
  WebhookEndpointService,
  WebhookEndpointState,
} from "../../../../gen/dd/v1/webhooks_pb.js";
import { problemOf } from "../../shared/errors.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { day, when } from "../format.js";
import { Pager, usePages } from "../Pager.js";
import { notificationTypeName } from "../states.js";
import { Deliveries } from "../webhooks/Deliveries.js";
import {
  AddEndpointDialog,
  DeleteEndpointDialog,
  eventTypes,
  RotateSecretDialog,
  useRefreshWebhooks,
} from "../webhooks/EndpointDialogs.js";

type Open =
  | { kind: "add" }
  | { kind: "rotate"; endpoint: WebhookEndpoint }
  | { kind: "delete"; endpoint: WebhookEndpoint }
  | undefined;

export default function Webhooks() {
  const [open, setOpen] = useState<Open>();
  const [showing, setShowing] = useState<string>();
  const pages = usePages();
  const list = useQuery(WebhookEndpointService.method.listWebhookEndpoints, {
    pageSize: 100,
    pageToken: pages.pageToken,
  });
  const refresh = useRefreshWebhooks();
  const update = useMutation(WebhookEndpointService.method.updateWebhookEndpoint, { onSuccess: refresh });
  const close = () => setOpen(undefined);
  const endpoints = list.data?.webhookEndpoints ?? [];
  const shown = endpoints.find((e) => e.id === showing);

  const setState = (endpoint: WebhookEndpoint, state: WebhookEndpointState) =>
    update.mutate({ webhookEndpoint: { id: endpoint.id, state }, updateMask: { paths: ["state"] } });

  return (
    <>
      <div className="page-head">
        <h1>Webhooks</h1>
        <button type="button" className="primary" onClick={() => setOpen({ kind: "add" })}>
          Add endpoint
        </button>
      </div>
      <p className="lede">
        Each endpoint gets a signed POST of every event of the types it subscribes to, retried for 3 days until it
        answers 2xx; then it is disabled. A disabled endpoint misses the events meanwhile: enabling it does not resend
        them (retry a delivery to send it again).
      </p>
      <ProblemBanner problem={list.error ? problemOf(list.error) : undefined} onRetry={() => void list.refetch()} />
      <ProblemBanner problem={update.error ? problemOf(update.error) : undefined} />
      {list.data &&
        (endpoints.length === 0 ? (
          <p>No endpoints yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="webhooks-table">
              <caption className="visually-hidden">Webhook endpoints</caption>
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Event types</th>
                  <th scope="col">State</th>
                  <th scope="col">Added</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {endpoints.map((endpoint) => {
                  const enabled = endpoint.state === WebhookEndpointState.ENABLED;
                  return (
                    <tr key={endpoint.id}>
                      <th scope="row">
                        <span className="url">{endpoint.url}</span>
                        {endpoint.description && <div className="hint">{endpoint.description}</div>}
                      </th>
                      <td>
                        <EventTypes types={endpoint.eventTypes} />
                      </td>
                      <td>
                        <span className={`badge ${enabled ? "badge-ok" : "badge-danger"}`}>
                          {enabled ? "Enabled" : "Disabled"}
                        </span>
                        {endpoint.failingSinceTime && (
                          <div className="hint-warn">Failing since {when(endpoint.failingSinceTime)}</div>
                        )}
                        {endpoint.previousSecretExpireTime && (
                          <div className="hint">Old secret signs until {when(endpoint.previousSecretExpireTime)}</div>
                        )}
                      </td>
                      <td>{day(endpoint.createTime)}</td>
                      <td className="actions">
                        <div className="endpoint-actions">
                          <button
                            type="button"
                            aria-expanded={showing === endpoint.id}
                            onClick={() => setShowing(showing === endpoint.id ? undefined : endpoint.id)}
                          >
                            Deliveries
                          </button>
                          <button type="button" onClick={() => setOpen({ kind: "rotate", endpoint })}>
                            Rotate secret
                          </button>
                          <button
                            type="button"
                            disabled={update.isPending}
                            onClick={() =>
                              setState(endpoint, enabled ? WebhookEndpointState.DISABLED : WebhookEndpointState.ENABLED)
                            }
                          >
                            {enabled ? "Disable" : "Enable"}
                          </button>
                          <button
                            type="button"
                            className="danger-outline"
                            onClick={() => setOpen({ kind: "delete", endpoint })}
                          >
                            Delete
                          </button>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ))}
      <Pager label="Endpoint pages" pages={pages} nextPageToken={list.data?.nextPageToken} />
      {shown && <Deliveries key={shown.id} endpoint={shown} onClose={() => setShowing(undefined)} />}
      {open?.kind === "add" && <AddEndpointDialog onClose={close} />}
      {open?.kind === "rotate" && <RotateSecretDialog endpoint={open.endpoint} onClose={close} />}
      {open?.kind === "delete" && <DeleteEndpointDialog endpoint={open.endpoint} onClose={close} />}
    </>
  );
}

/** EventTypes names an endpoint's event types: all of them, a few by name, or how many (expandable). */
function EventTypes({ types }: { types: readonly NotificationType[] }) {
  if (types.length >= eventTypes.length) return <>All {eventTypes.length}</>;
  const names = (
    <ul className="plain event-names">
      {types.map((t) => (
        <li key={t}>{notificationTypeName(t)}</li>
      ))}
    </ul>
  );
  if (types.length <= 3) return names;
  return (
    <details className="event-details">
      <summary>{types.length} event types</summary>
      {names}
    </details>
  );
}
