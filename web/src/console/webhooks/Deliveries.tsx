/**
 * Deliveries lists one endpoint's deliveries, newest first: where each is, its attempts, the last
 * answer and error, and when it is tried next. Retry sends one again at once (same event, fresh
 * signature); the service refuses that for a disabled endpoint, so the button waits for Enable.
 */
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useEffect, useRef } from "react";
import {
  type WebhookDelivery,
  WebhookDeliveryState,
  type WebhookEndpoint,
  WebhookEndpointService,
  WebhookEndpointState,
} from "../../../../gen/dd/v1/webhooks_pb.js";
import { problemOf } from "../../shared/errors.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { when } from "../format.js";
import { Pager, usePages } from "../Pager.js";
import { enumLabel, notificationTypeName } from "../states.js";
import { useRefreshWebhooks } from "./EndpointDialogs.js";

const stateTone: Partial<Record<WebhookDeliveryState, string>> = {
  [WebhookDeliveryState.SUCCEEDED]: "badge-ok",
  [WebhookDeliveryState.FAILED]: "badge-danger",
};

export function Deliveries({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const pages = usePages();
  const list = useQuery(WebhookEndpointService.method.listWebhookDeliveries, {
    webhookEndpointId: endpoint.id,
    pageSize: 50,
    pageToken: pages.pageToken,
  });
  const refresh = useRefreshWebhooks();
  const retry = useMutation(WebhookEndpointService.method.retryWebhookDelivery, { onSuccess: refresh });
  const enabled = endpoint.state === WebhookEndpointState.ENABLED;
  const heading = useRef<HTMLHeadingElement>(null);
  // Opening the panel (or another endpoint's) takes focus there, so a keyboard user lands on it.
  useEffect(() => {
    if (endpoint.id) heading.current?.focus();
  }, [endpoint.id]);

  return (
    <section aria-labelledby="deliveries-heading" className="deliveries">
      <div className="section-head">
        <h2 id="deliveries-heading" ref={heading} tabIndex={-1}>
          Deliveries to <span className="url">{endpoint.url}</span>
        </h2>
        <div className="toolbar">
          <button type="button" onClick={() => void list.refetch()} disabled={list.isFetching}>
            Refresh
          </button>
          <button type="button" onClick={onClose}>
            Close deliveries
          </button>
        </div>
      </div>
      {!enabled && <p className="hint">The endpoint is disabled: enable it to retry a delivery.</p>}
      <ProblemBanner problem={list.error ? problemOf(list.error) : undefined} onRetry={() => void list.refetch()} />
      <ProblemBanner problem={retry.error ? problemOf(retry.error) : undefined} />
      <p role="status" className="hint">
        {retry.isSuccess ? "Queued: it is sent again within a few seconds." : ""}
      </p>
      {list.data &&
        (list.data.deliveries.length === 0 ? (
          <p>No deliveries yet: one is made for each event of the types the endpoint subscribes to.</p>
        ) : (
          <DeliveryTable
            deliveries={list.data.deliveries}
            onRetry={enabled ? (d) => retry.mutate({ deliveryId: d.id }) : undefined}
            retrying={retry.isPending}
          />
        ))}
      <Pager label="Delivery pages" pages={pages} nextPageToken={list.data?.nextPageToken} />
    </section>
  );
}

function DeliveryTable({
  deliveries,
  onRetry,
  retrying,
}: {
  deliveries: readonly WebhookDelivery[];
  onRetry: ((delivery: WebhookDelivery) => void) | undefined;
  retrying: boolean;
}) {
  return (
    <div className="table-wrap">
      <table className="deliveries-table">
        <caption className="visually-hidden">Deliveries</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Published</th>
            <th scope="col">State</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last answer</th>
            <th scope="col">Next attempt</th>
            {onRetry && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {deliveries.map((d) => (
            <tr key={d.id}>
              <th scope="row">
                {notificationTypeName(d.eventType)}
                <div className="hint">
                  <code>{d.eventId}</code>
                </div>
              </th>
              <td>{when(d.createTime)}</td>
              <td>
                <span className={`badge ${stateTone[d.state] ?? ""}`}>{enumLabel(WebhookDeliveryState[d.state])}</span>
              </td>
              <td>{d.attemptCount}</td>
              <td>
                {lastAnswer(d)}
                {d.lastError && d.lastError !== lastAnswer(d) && <div className="hint-warn">{d.lastError}</div>}
                {d.lastAttemptTime && <div className="hint">{when(d.lastAttemptTime)}</div>}
              </td>
              <td>{when(d.nextAttemptTime)}</td>
              {onRetry && (
                <td className="actions">
                  {/* A pending delivery is being tried already: the service refuses to retry it. */}
                  {d.state !== WebhookDeliveryState.PENDING && (
                    <button type="button" onClick={() => onRetry(d)} disabled={retrying}>
                      Retry
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** lastAnswer is what the last attempt got: "HTTP 500", "No answer" (refused, timed out), or "—" before any. */
function lastAnswer(d: WebhookDelivery): string {
  if (d.attemptCount === 0) return "—";
  return d.lastHttpStatus > 0 ? `HTTP ${d.lastHttpStatus}` : "No answer";
}
