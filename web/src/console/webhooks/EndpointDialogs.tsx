/**
 * The Webhooks page's dialogs: add an endpoint (its signing secret then shown once), rotate its
 * secret (the old one keeps signing for 24 hours unless it leaked), delete it.
 */
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { NotificationType } from "../../../../gen/dd/v1/alerts_pb.js";
import { type WebhookEndpoint, WebhookEndpointService } from "../../../../gen/dd/v1/webhooks_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { when } from "../format.js";
import { SecretShown } from "../SecretShown.js";
import { notificationTypeName } from "../states.js";

/** Every event type an endpoint can subscribe to, by name: "Advance notice" … "Mandate transferred". */
export const eventTypes: readonly { type: NotificationType; name: string }[] = Object.values(NotificationType)
  .filter((t): t is NotificationType => typeof t === "number" && t !== NotificationType.UNSPECIFIED)
  .map((type) => ({ type, name: notificationTypeName(type) }))
  .sort((a, b) => a.name.localeCompare(b.name));

const secretAdvice =
  "This is the only time the signing secret is shown. Store it where your receiver can read it, to check each " +
  "delivery's DD-Signature header; if it is lost, rotate the secret.";

/** useRefreshWebhooks refetches endpoints and deliveries after a change. */
export function useRefreshWebhooks() {
  const queryClient = useQueryClient();
  return () =>
    queryClient.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: WebhookEndpointService, cardinality: undefined }),
    });
}

const addLabels = {
  "webhook_endpoint.url": "URL",
  "webhook_endpoint.event_types": "Event types",
  "webhook_endpoint.description": "Description",
};

export function AddEndpointDialog({ onClose }: { onClose: () => void }) {
  const [chosen, setChosen] = useState<ReadonlySet<NotificationType>>(new Set());
  const refresh = useRefreshWebhooks();
  const create = useMutation(WebhookEndpointService.method.createWebhookEndpoint, { onSuccess: refresh });
  const problem = create.error ? problemOf(create.error, addLabels) : undefined;
  const fields = problem?.fields ?? {};
  const typesError = fields["webhook_endpoint.event_types"];

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      webhookEndpoint: {
        url: String(form.get("url") ?? "").trim(),
        description: String(form.get("description") ?? "").trim(),
        eventTypes: eventTypes.map((e) => e.type).filter((t) => chosen.has(t)),
      },
    });
  }

  if (create.data)
    return (
      <SecretShown
        title="Endpoint added"
        label="Signing secret"
        secret={create.data.secret}
        advice={secretAdvice}
        onClose={onClose}
      />
    );
  return (
    <Dialog title="Add a webhook endpoint" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ProblemBanner problem={problem} />
        <Field
          label="URL"
          name="url"
          type="url"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          maxLength={2048}
          hint="Where each event is POSTed: an https address, e.g. https://example.com/webhooks"
          error={fields["webhook_endpoint.url"]}
        />
        <Field
          label="Description"
          name="description"
          maxLength={200}
          hint="Optional, for people: e.g. agentOS production"
          error={fields["webhook_endpoint.description"]}
        />
        <fieldset className="scopes" aria-describedby={typesError ? "event-types-error" : undefined}>
          <legend>Event types</legend>
          {typesError && (
            <p className="error-text" id="event-types-error">
              {typesError}
            </p>
          )}
          <div className="presets">
            <button type="button" onClick={() => setChosen(new Set(eventTypes.map((e) => e.type)))}>
              Every event type
            </button>
            <button type="button" onClick={() => setChosen(new Set())}>
              Clear
            </button>
          </div>
          <div className="event-types">
            {eventTypes.map(({ type, name }) => (
              <div className="check" key={type}>
                <input
                  type="checkbox"
                  id={`event-type-${type}`}
                  checked={chosen.has(type)}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.currentTarget.checked) next.add(type);
                    else next.delete(type);
                    setChosen(next);
                  }}
                />
                <label htmlFor={`event-type-${type}`}>{name}</label>
              </div>
            ))}
          </div>
        </fieldset>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            Add
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function RotateSecretDialog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const refresh = useRefreshWebhooks();
  const rotate = useMutation(WebhookEndpointService.method.rotateWebhookEndpointSecret, { onSuccess: refresh });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const leaked = new FormData(event.currentTarget).get("leaked") === "on";
    // Unset: the service's 24 hours.
    rotate.mutate({ webhookEndpointId: endpoint.id, gracePeriod: leaked ? { seconds: 0n } : undefined });
  }

  if (rotate.data) {
    const until = rotate.data.webhookEndpoint?.previousSecretExpireTime;
    return (
      <SecretShown
        title="Signing secret rotated"
        label="Signing secret"
        secret={rotate.data.secret}
        advice={secretAdvice}
        onClose={onClose}
      >
        <p>
          {until
            ? `The old secret keeps signing until ${when(until)}: until then each delivery carries both signatures.`
            : "The old secret no longer signs."}
        </p>
      </SecretShown>
    );
  }
  return (
    <Dialog title="Rotate the signing secret" onClose={onClose}>
      <form onSubmit={submit}>
        <ProblemBanner problem={rotate.error ? problemOf(rotate.error) : undefined} />
        <p>
          A new secret replaces the one of <strong className="url">{endpoint.url}</strong>. The old one keeps signing
          for 24 hours, alongside the new one (each delivery carries both signatures), so your receiver can switch
          without missing an event.
        </p>
        <label className="inline-check">
          <input type="checkbox" name="leaked" />
          The old secret leaked: stop it signing now
        </label>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={rotate.isPending}>
            Rotate secret
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function DeleteEndpointDialog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const refresh = useRefreshWebhooks();
  const remove = useMutation(WebhookEndpointService.method.deleteWebhookEndpoint, {
    onSuccess: () => {
      void refresh();
      onClose();
    },
  });

  return (
    <Dialog title="Delete the endpoint" onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          remove.mutate({ webhookEndpointId: endpoint.id });
        }}
      >
        <ProblemBanner problem={remove.error ? problemOf(remove.error) : undefined} />
        <p>
          Nothing more is sent to <strong className="url">{endpoint.url}</strong> (a delivery already on its way may
          still arrive), and its delivery log is deleted with it. This cannot be undone.
        </p>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={remove.isPending}>
            Delete endpoint
          </button>
        </div>
      </form>
    </Dialog>
  );
}
