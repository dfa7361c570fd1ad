/**
 * ApiKeys is where admins issue, rotate and revoke the organisation's API keys. A secret is shown
 * once, in the dialog that made it, with the advice to store it like a password. Keys older than 90
 * days carry a hint to rotate them: the product document asks for regular rotation.
 */
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { type ApiKey, ApiKeyService } from "../../../../gen/dd/v1/api_keys_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { problemOf } from "../../shared/errors.js";
import { Field, SelectField } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { ageInDays, day, when } from "../format.js";
import { SecretShown } from "../SecretShown.js";
import { presets, scopes } from "../scopes.js";

const rotateAfterDays = 90;

const expiries: readonly { label: string; days: number }[] = [
  { label: "Never", days: 0 },
  { label: "In 30 days", days: 30 },
  { label: "In 90 days", days: 90 },
  { label: "In 1 year", days: 365 },
];

const graces: readonly { label: string; seconds: number }[] = [
  { label: "24 hours (the usual choice)", seconds: 86_400 },
  { label: "1 hour", seconds: 3_600 },
  { label: "7 days", seconds: 604_800 },
  { label: "None: stop the old key now (it leaked)", seconds: 0 },
];

type Open = { kind: "create" } | { kind: "rotate"; key: ApiKey } | { kind: "revoke"; key: ApiKey } | undefined;

export default function ApiKeys() {
  const [showRevoked, setShowRevoked] = useState(false);
  const [open, setOpen] = useState<Open>();
  const list = useQuery(ApiKeyService.method.listApiKeys, { pageSize: 500, showRevoked });
  const close = () => setOpen(undefined);

  return (
    <>
      <div className="page-head">
        <h1>API keys</h1>
        <button type="button" className="primary" onClick={() => setOpen({ kind: "create" })}>
          Create API key
        </button>
      </div>
      <p className="lede">
        Keys let systems such as agentOS call the API for this organisation. Give each system its own key with only the
        scopes it needs, and rotate keys regularly.
      </p>
      <label className="inline-check">
        <input type="checkbox" checked={showRevoked} onChange={(e) => setShowRevoked(e.currentTarget.checked)} />
        Show revoked and expired keys
      </label>
      <ProblemBanner problem={list.error ? problemOf(list.error) : undefined} onRetry={() => void list.refetch()} />
      {list.data && <KeyTable keys={list.data.apiKeys} onOpen={setOpen} />}
      {open?.kind === "create" && <CreateDialog onClose={close} />}
      {open?.kind === "rotate" && <RotateDialog apiKey={open.key} onClose={close} />}
      {open?.kind === "revoke" && <RevokeDialog apiKey={open.key} onClose={close} />}
    </>
  );
}

function KeyTable({ keys, onOpen }: { keys: ApiKey[]; onOpen: (open: Open) => void }) {
  if (keys.length === 0) return <p>No API keys yet.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">API keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => {
            const state = stateOf(key);
            const old = state === "Active" && !key.replacedBy && ageInDays(key.createTime) > rotateAfterDays;
            return (
              <tr key={key.id}>
                <th scope="row">{key.name}</th>
                <td>
                  <code>{key.displayPrefix}…</code>
                </td>
                <td>
                  <ul className="scope-list">
                    {key.scopes.map((s) => (
                      <li key={s}>{s}</li>
                    ))}
                  </ul>
                </td>
                <td>
                  {day(key.createTime)}
                  {old && <div className="hint-warn">Over {rotateAfterDays} days old: rotate it</div>}
                </td>
                <td>{when(key.lastUseTime, "Never")}</td>
                <td>{when(key.expireTime, "Never")}</td>
                <td>
                  <span className={`badge badge-${state.toLowerCase().replace(/\W+/g, "-")}`}>{state}</span>
                </td>
                <td className="actions">
                  {state === "Active" && !key.replacedBy && (
                    <>
                      <button type="button" onClick={() => onOpen({ kind: "rotate", key })}>
                        Rotate
                      </button>
                      <button type="button" onClick={() => onOpen({ kind: "revoke", key })}>
                        Revoke
                      </button>
                    </>
                  )}
                  {state === "Active" && key.replacedBy && (
                    <button type="button" onClick={() => onOpen({ kind: "revoke", key })}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function stateOf(key: ApiKey, now = Date.now()): string {
  if (key.revokeTime) return "Revoked";
  if (key.expireTime && Number(key.expireTime.seconds) * 1000 <= now) return "Expired";
  if (key.replacedBy) return "Active until grace ends";
  return "Active";
}

function useRefreshKeys() {
  const queryClient = useQueryClient();
  return () =>
    queryClient.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: ApiKeyService, cardinality: undefined }),
    });
}

function CreateDialog({ onClose }: { onClose: () => void }) {
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const refresh = useRefreshKeys();
  const create = useMutation(ApiKeyService.method.createApiKey, { onSuccess: refresh });
  const problem = create.error ? problemOf(create.error, { name: "Name", scopes: "Scopes" }) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = Number(form.get("expiry") ?? 0);
    create.mutate({
      name: String(form.get("name") ?? ""),
      scopes: scopes.map((s) => s.name).filter((s) => chosen.has(s)),
      expiration: days > 0 ? { case: "ttl", value: { seconds: BigInt(days * 86_400) } } : { case: undefined },
    });
  }

  if (create.data) return <KeySecret title="API key created" secret={create.data.secret} onClose={onClose} />;
  return (
    <Dialog title="Create API key" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ProblemBanner problem={problem} />
        <Field
          label="Name"
          name="name"
          maxLength={100}
          hint="Which system uses it, e.g. agentOS production"
          error={problem?.fields.name}
        />
        <fieldset className="scopes" aria-describedby={problem?.fields.scopes ? "scopes-error" : undefined}>
          <legend>Scopes</legend>
          {problem?.fields.scopes && (
            <p className="error-text" id="scopes-error">
              {problem.fields.scopes}
            </p>
          )}
          <div className="presets">
            {presets.map((preset) => (
              <button type="button" key={preset.name} onClick={() => setChosen(new Set(preset.scopes))}>
                {preset.name}
              </button>
            ))}
          </div>
          {scopes.map((scope) => (
            <div className="check" key={scope.name}>
              <input
                type="checkbox"
                id={`scope-${scope.name}`}
                checked={chosen.has(scope.name)}
                aria-describedby={`scope-${scope.name}-description`}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.currentTarget.checked) next.add(scope.name);
                  else next.delete(scope.name);
                  setChosen(next);
                }}
              />
              <label htmlFor={`scope-${scope.name}`}>
                <code>{scope.name}</code>
              </label>
              <p className="hint scope-description" id={`scope-${scope.name}-description`}>
                {scope.description}
              </p>
            </div>
          ))}
        </fieldset>
        <SelectField label="Expires" name="expiry" defaultValue="0">
          {expiries.map((e) => (
            <option key={e.days} value={e.days}>
              {e.label}
            </option>
          ))}
        </SelectField>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RotateDialog({ apiKey, onClose }: { apiKey: ApiKey; onClose: () => void }) {
  const refresh = useRefreshKeys();
  const rotate = useMutation(ApiKeyService.method.rotateApiKey, { onSuccess: refresh });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const seconds = Number(new FormData(event.currentTarget).get("grace") ?? 86_400);
    rotate.mutate({ apiKeyId: apiKey.id, gracePeriod: { seconds: BigInt(seconds) } });
  }

  if (rotate.data) return <KeySecret title="API key rotated" secret={rotate.data.secret} onClose={onClose} />;
  return (
    <Dialog title={`Rotate “${apiKey.name}”`} onClose={onClose}>
      <form onSubmit={submit}>
        <ProblemBanner problem={rotate.error ? problemOf(rotate.error) : undefined} />
        <p>
          A new key with the same scopes replaces this one. Put the new key in place, then let the old one run out at
          the end of the grace period.
        </p>
        <SelectField label="The old key keeps working for" name="grace" defaultValue="86400">
          {graces.map((g) => (
            <option key={g.seconds} value={g.seconds}>
              {g.label}
            </option>
          ))}
        </SelectField>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={rotate.isPending}>
            Rotate key
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RevokeDialog({ apiKey, onClose }: { apiKey: ApiKey; onClose: () => void }) {
  const refresh = useRefreshKeys();
  const revoke = useMutation(ApiKeyService.method.revokeApiKey, {
    onSuccess: () => {
      void refresh();
      onClose();
    },
  });
  const problem = revoke.error ? problemOf(revoke.error, { reason: "Reason" }) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    revoke.mutate({ apiKeyId: apiKey.id, reason: String(new FormData(event.currentTarget).get("reason") ?? "") });
  }

  return (
    <Dialog title={`Revoke “${apiKey.name}”`} onClose={onClose}>
      <form onSubmit={submit}>
        <ProblemBanner problem={problem} />
        <p>Every call made with this key is refused from now on. This cannot be undone.</p>
        <Field label="Reason (optional)" name="reason" maxLength={500} error={problem?.fields.reason} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={revoke.isPending}>
            Revoke key
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** KeySecret shows a new key's secret, the only time it is shown. */
function KeySecret({ title, secret, onClose }: { title: string; secret: string; onClose: () => void }) {
  return (
    <SecretShown
      title={title}
      label="New API key"
      secret={secret}
      advice="This is the only time the key is shown. Store it like a password, in your secret manager; if it is lost, rotate the key."
      onClose={onClose}
    />
  );
}
