/**
 * Mandates lists the organisation's mandates with a state filter, a search by reference or payer
 * email, and paging; members and admins send new invites from here.
 */
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { MandateService, MandateState } from "../../../../gen/dd/v1/mandates_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { problemOf } from "../../shared/errors.js";
import { Field, SelectField } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { when } from "../format.js";
import { Pager, usePages } from "../Pager.js";
import { Link } from "../router.js";
import { useStaff } from "../session.js";
import { mandateStateName } from "../states.js";

const stateChoices = Object.values(MandateState).filter(
  (s): s is MandateState => typeof s === "number" && s !== MandateState.UNSPECIFIED,
);

export default function Mandates() {
  const staff = useStaff();
  const [state, setState] = useState<MandateState | undefined>();
  const [search, setSearch] = useState("");
  const pages = usePages();
  const [creating, setCreating] = useState(false);
  const list = useQuery(MandateService.method.listMandates, {
    pageSize: 50,
    pageToken: pages.pageToken,
    state: state === undefined ? [] : [state],
    ...(search.includes("@") ? { payerEmail: search } : { reference: search }),
  });
  const restart = pages.restart;

  return (
    <>
      <div className="page-head">
        <h1>Mandates</h1>
        {staff.may("mandates:write") && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New mandate
          </button>
        )}
      </div>
      <search className="filters">
        <SelectField
          label="State"
          value={state ?? ""}
          onChange={(e) => {
            setState(e.currentTarget.value === "" ? undefined : (Number(e.currentTarget.value) as MandateState));
            restart();
          }}
        >
          <option value="">Any state</option>
          {stateChoices.map((s) => (
            <option key={s} value={s}>
              {mandateStateName(s)}
            </option>
          ))}
        </SelectField>
        <Field
          label="Reference or payer email"
          type="search"
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value.trim());
            restart();
          }}
        />
      </search>
      <ProblemBanner problem={list.error ? problemOf(list.error) : undefined} onRetry={() => void list.refetch()} />
      {list.data &&
        (list.data.mandates.length === 0 ? (
          <p>No mandates match.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Mandates</caption>
              <thead>
                <tr>
                  <th scope="col">Reference</th>
                  <th scope="col">Payer</th>
                  <th scope="col">State</th>
                  <th scope="col">Bank account</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.mandates.map((m) => (
                  <tr key={m.id}>
                    <th scope="row">
                      <Link to={`/mandates/${m.id}`}>{m.reference}</Link>
                    </th>
                    <td>
                      {m.payer?.name}
                      <div className="hint">{m.payer?.email}</div>
                    </td>
                    <td>
                      <span className="badge">{mandateStateName(m.state)}</span>
                    </td>
                    <td>{m.bankAccount?.accountNumberEnding ? `••••••${m.bankAccount.accountNumberEnding}` : "—"}</td>
                    <td>{when(m.createTime)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager label="Mandate pages" pages={pages} nextPageToken={list.data?.nextPageToken} />
      {creating && <CreateMandateDialog onClose={() => setCreating(false)} />}
    </>
  );
}

const labels = {
  "mandate.reference": "Reference",
  "mandate.payer.name": "Payer name",
  "mandate.payer.email": "Payer email",
};

function CreateMandateDialog({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const create = useMutation(MandateService.method.createMandate, {
    onSuccess: () => {
      void queryClient.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: MandateService, cardinality: undefined }),
      });
      onClose();
    },
  });
  const problem = create.error ? problemOf(create.error, labels) : undefined;
  const fields = problem?.fields ?? {};

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      mandate: {
        reference: String(form.get("reference") ?? ""),
        payer: { name: String(form.get("payer_name") ?? ""), email: String(form.get("payer_email") ?? "") },
      },
    });
  }

  return (
    <Dialog title="New mandate" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ProblemBanner problem={problem} />
        <p>The payer gets an email with a link to give their bank details and set up the Direct Debit.</p>
        <Field
          label="Reference"
          name="reference"
          maxLength={18}
          hint="Shown on the payer's bank statement; leave empty to have one made"
          error={fields["mandate.reference"]}
        />
        <Field label="Payer name" name="payer_name" maxLength={140} error={fields["mandate.payer.name"]} />
        <Field
          label="Payer email"
          name="payer_email"
          type="email"
          maxLength={254}
          error={fields["mandate.payer.email"]}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            Send invite
          </button>
        </div>
      </form>
    </Dialog>
  );
}
