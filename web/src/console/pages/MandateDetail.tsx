/**
 * MandateDetail is one mandate: the payer, the masked bank account, the last state change and the
 * history from the notification feed (account transfers included); the actions its state allows,
 * each confirmed with a reason; its collections, with a one-off collection for admins and members;
 * and in sandbox organisations the simulators that play the payer's bank.
 */
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { AlertService } from "../../../../gen/dd/v1/alerts_pb.js";
import { CollectionService } from "../../../../gen/dd/v1/collections_pb.js";
import { type Mandate, MandateCause, MandateService, MandateState } from "../../../../gen/dd/v1/mandates_pb.js";
import { MandateScenario, SandboxService } from "../../../../gen/dd/v1/sandbox_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { ukDatesIn } from "../../shared/dates-in-text.js";
import { problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { formatSortCode } from "../../shared/sort-code.js";
import { CollectionTable } from "../collections/CollectionTable.js";
import { NewCollectionDialog } from "../collections/NewCollectionDialog.js";
import { calendarDay } from "../dates.js";
import { when } from "../format.js";
import { Pager, usePages } from "../Pager.js";
import { Link } from "../router.js";
import { useStaff } from "../session.js";
import { enumLabel, mandateStateName, notificationTypeName } from "../states.js";

type Action = "cancel" | "suspend" | "reactivate" | "resendInvite";

/** What each action is called, what it does, and the states it is offered in. */
const actions: Record<Action, { label: string; explains: string; from: readonly MandateState[] }> = {
  resendInvite: {
    label: "Resend invite",
    explains: "The payer gets a new link by email; the previous link stops working.",
    from: [MandateState.PENDING_CUSTOMER_APPROVAL],
  },
  suspend: {
    label: "Suspend",
    explains: "No collection is submitted until the mandate is reactivated. The instruction stays with the bank.",
    from: [MandateState.ACTIVE],
  },
  reactivate: {
    label: "Reactivate",
    explains: "Collections can be submitted again.",
    from: [MandateState.SUSPENDED],
  },
  cancel: {
    label: "Cancel mandate",
    explains:
      "The instruction is cancelled with the payer's bank and collections not yet submitted are cancelled. This cannot be undone.",
    from: [
      MandateState.PENDING_CUSTOMER_APPROVAL,
      MandateState.PENDING_SUBMISSION,
      MandateState.SUBMITTED,
      MandateState.ACTIVE,
      MandateState.SUSPENDED,
    ],
  },
};

/**
 * The sandbox's buttons. Most are always offered (the service explains a refusal); the bank transfer
 * only where it can happen, as it is the one that leaves the state as it is.
 */
const scenarios: readonly { scenario: MandateScenario; label: string; from?: readonly MandateState[] }[] = [
  { scenario: MandateScenario.ACTIVATE, label: "Simulate bank accepts" },
  { scenario: MandateScenario.FAIL, label: "Simulate bank rejects" },
  { scenario: MandateScenario.CANCEL_BY_PAYER, label: "Simulate payer cancels" },
  { scenario: MandateScenario.EXPIRE, label: "Simulate expiry" },
  {
    scenario: MandateScenario.TRANSFER,
    label: "Simulate bank transfer",
    from: [MandateState.ACTIVE, MandateState.SUSPENDED],
  },
];

export default function MandateDetail({ mandateId }: { mandateId: string }) {
  const staff = useStaff();
  const [action, setAction] = useState<Action>();
  const mandate = useQuery(MandateService.method.getMandate, { mandateId });
  if (mandate.error)
    return (
      <>
        <p>
          <Link to="/mandates">← Mandates</Link>
        </p>
        <ProblemBanner problem={problemOf(mandate.error)} onRetry={() => void mandate.refetch()} />
      </>
    );
  if (!mandate.data) return <p className="loading">Loading…</p>;
  const m = mandate.data;
  const offered = (Object.keys(actions) as Action[]).filter((a) => actions[a].from.includes(m.state));

  return (
    <>
      <p>
        <Link to="/mandates">← Mandates</Link>
      </p>
      <div className="page-head">
        <h1>
          Mandate {m.reference} <span className="badge">{mandateStateName(m.state)}</span>
        </h1>
      </div>
      {staff.may("mandates:write") && offered.length > 0 && (
        <div className="toolbar">
          {offered.map((a) => (
            <button
              key={a}
              type="button"
              className={a === "cancel" ? "danger-outline" : ""}
              onClick={() => setAction(a)}
            >
              {actions[a].label}
            </button>
          ))}
        </div>
      )}
      <div className="cards">
        <MandateFacts mandate={m} />
        {staff.session.sandbox && staff.may("mandates:write") && <Simulators mandate={m} />}
      </div>
      {staff.may("collections:read") && <MandateCollections mandate={m} mayCreate={staff.mayWriteSchedules} />}
      {staff.may("alerts:read") && <History mandateId={m.id} />}
      {action && <ActionDialog mandate={m} action={action} onClose={() => setAction(undefined)} />}
    </>
  );
}

function MandateFacts({ mandate: m }: { mandate: Mandate }) {
  const change = m.lastStateChange;
  const account = m.bankAccount;
  return (
    <section className="card" aria-labelledby="facts-heading">
      <h2 id="facts-heading">Details</h2>
      <dl className="summary">
        <dt>Payer</dt>
        <dd>
          {m.payer?.name}
          <div className="hint">{m.payer?.email}</div>
        </dd>
        <dt>Bank account</dt>
        <dd>
          {account?.accountNumberEnding ? (
            <>
              {account.accountHolderName}
              <div className="hint">
                {formatSortCode(account.sortCode)} · ••••••{account.accountNumberEnding}
                {account.bankName && ` · ${account.bankName}`}
              </div>
            </>
          ) : (
            "Not given yet"
          )}
        </dd>
        <dt>Created</dt>
        <dd>{when(m.createTime)}</dd>
        {m.inviteExpireTime && (
          <>
            <dt>Invite expires</dt>
            <dd>{when(m.inviteExpireTime)}</dd>
          </>
        )}
        {m.nextPossibleChargeDate && (
          <>
            <dt>First possible charge</dt>
            <dd>{calendarDay(m.nextPossibleChargeDate)}</dd>
          </>
        )}
        {change && (
          <>
            <dt>Last change</dt>
            <dd>
              {mandateStateName(change.previousState)} → {mandateStateName(change.state)}, {when(change.changeTime)}
              <div className="hint">
                By {enumLabel(MandateCause[change.cause]).toLowerCase()}
                {change.reasonCode && `, reason code ${change.reasonCode}`}
                {change.description && `: ${change.description}`}
              </div>
            </dd>
          </>
        )}
        {Object.keys(m.metadata).length > 0 && (
          <>
            <dt>Metadata</dt>
            <dd>
              {Object.entries(m.metadata).map(([k, v]) => (
                <div key={k}>
                  <code>{k}</code>: {v}
                </div>
              ))}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

function useRefreshMandates() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all(
      [MandateService, AlertService].map((schema) =>
        queryClient.invalidateQueries({ queryKey: createConnectQueryKey({ schema, cardinality: undefined }) }),
      ),
    );
}

function ActionDialog({ mandate, action, onClose }: { mandate: Mandate; action: Action; onClose: () => void }) {
  const refresh = useRefreshMandates();
  const options = {
    onSuccess: () => {
      void refresh();
      onClose();
    },
  };
  const calls = {
    cancel: useMutation(MandateService.method.cancelMandate, options),
    suspend: useMutation(MandateService.method.suspendMandate, options),
    reactivate: useMutation(MandateService.method.reactivateMandate, options),
    resendInvite: useMutation(MandateService.method.resendMandateInvite, options),
  };
  const call = calls[action];
  const problem = call.error ? problemOf(call.error, { reason: "Reason" }) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    call.mutate({ mandateId: mandate.id, reason: String(new FormData(event.currentTarget).get("reason") ?? "") });
  }

  const { label, explains } = actions[action];
  return (
    <Dialog title={`${label}: ${mandate.reference}`} onClose={onClose}>
      <form onSubmit={submit}>
        <ProblemBanner problem={problem} />
        <p>{explains}</p>
        <Field
          label="Reason"
          name="reason"
          maxLength={500}
          hint="Kept in the mandate's history; never sent to the payer"
          error={problem?.fields.reason}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Back
          </button>
          <button type="submit" className={action === "cancel" ? "danger" : "primary"} disabled={call.isPending}>
            {`Confirm: ${label.toLowerCase()}`}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Simulators({ mandate }: { mandate: Mandate }) {
  const refresh = useRefreshMandates();
  const simulate = useMutation(SandboxService.method.simulateMandateScenario, { onSuccess: () => void refresh() });
  return (
    <section className="card sandbox" aria-labelledby="sandbox-heading">
      <h2 id="sandbox-heading">Sandbox</h2>
      <p className="hint">
        Play the payer and their bank. Takes effect at once; no money moves. A bank transfer moves the mandate to a test
        account, as when the payer switches banks; its schedules carry on.
      </p>
      <ProblemBanner problem={simulate.error ? problemOf(simulate.error) : undefined} />
      <div className="toolbar">
        {scenarios
          .filter((s) => !s.from || s.from.includes(mandate.state))
          .map((s) => (
            <button
              key={s.scenario}
              type="button"
              disabled={simulate.isPending}
              onClick={() => simulate.mutate({ mandateId: mandate.id, scenario: s.scenario })}
            >
              {s.label}
            </button>
          ))}
      </div>
    </section>
  );
}

/** Mandates that can take no more collections: no one-off is offered under them. */
const closedStates: readonly MandateState[] = [MandateState.CANCELLED, MandateState.FAILED, MandateState.EXPIRED];

function MandateCollections({ mandate, mayCreate }: { mandate: Mandate; mayCreate: boolean }) {
  const list = useQuery(CollectionService.method.listCollections, { mandateId: mandate.id, pageSize: 100 });
  const [creating, setCreating] = useState(false);
  return (
    <section aria-labelledby="collections-heading">
      <div className="page-head">
        <h2 id="collections-heading">Collections</h2>
        {mayCreate && !closedStates.includes(mandate.state) && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New collection
          </button>
        )}
      </div>
      <ProblemBanner problem={list.error ? problemOf(list.error) : undefined} onRetry={() => void list.refetch()} />
      {list.data &&
        (list.data.collections.length === 0 ? (
          <p>No collections yet: schedules are set up on the Collections page, one-off collections here.</p>
        ) : (
          <CollectionTable collections={list.data.collections} caption="This mandate's collections" />
        ))}
      {list.data?.nextPageToken && <Link to="/collections">All collections</Link>}
      {creating && <NewCollectionDialog mandate={mandate} onClose={() => setCreating(false)} />}
    </section>
  );
}

/**
 * eventText is a feed message as staff read it on the mandate's own page: dates as "4 Jan 2027",
 * and the mandate they are looking at not named by its id ("under mandate MD…" dropped, "Mandate
 * MD…" read as "The mandate").
 */
function eventText(message: string, mandateId: string): string {
  const text = message
    .replaceAll(` under mandate ${mandateId}`, "")
    .replaceAll(` of mandate ${mandateId}`, "")
    .replaceAll(`Mandate ${mandateId}`, "The mandate")
    .replaceAll(`mandate ${mandateId}`, "this mandate");
  return ukDatesIn(text);
}

function History({ mandateId }: { mandateId: string }) {
  const pages = usePages();
  const feed = useQuery(AlertService.method.listNotifications, {
    mandateId,
    pageSize: 20,
    pageToken: pages.pageToken,
  });
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <ProblemBanner problem={feed.error ? problemOf(feed.error) : undefined} onRetry={() => void feed.refetch()} />
      {feed.data &&
        (feed.data.notifications.length === 0 ? (
          <p>No events yet.</p>
        ) : (
          <ol className="timeline">
            {feed.data.notifications.map((n) => (
              <li key={n.id}>
                <strong>{notificationTypeName(n.type)}</strong> <span className="hint">{when(n.createTime)}</span>
                <div>
                  {eventText(n.message, mandateId)}
                  {n.reasonCode && ` (reason code ${n.reasonCode})`}
                </div>
              </li>
            ))}
          </ol>
        ))}
      <Pager label="History pages" pages={pages} nextPageToken={feed.data?.nextPageToken} />
    </section>
  );
}
