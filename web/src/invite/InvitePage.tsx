/**
 * InvitePage is what a payer sees at /invite/<token>: who will collect (with the service user number
 * and the name on their statement, as the Instruction's header gives them), under which reference, a
 * form for their bank details with the declaration and the Direct Debit Guarantee, then a confirmation.
 * A token that is used, superseded, expired or unknown gets one page saying the link no longer works.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { type FocusEvent, type FormEvent, useCallback, useEffect, useState } from "react";
import { BankDetailsService } from "../../../gen/dd/v1/bank_details_pb.js";
import {
  type CompleteMandateInviteResponse,
  type MandateInvite,
  MandateInviteService,
} from "../../../gen/dd/v1/mandates_pb.js";
import { type Problem, problemOf } from "../shared/errors.js";
import { Field } from "../shared/Field.js";
import { formatSortCode } from "../shared/sort-code.js";
import { sameOriginTransport } from "../shared/transport.js";
import { DirectDebitGuarantee } from "./guarantee.js";

const invites = createClient(MandateInviteService, sameOriginTransport());
const bankDetails = createClient(BankDetailsService, sameOriginTransport());

// People copy sort codes as 20-00-00 and account numbers with spaces: keep the digits.
const sortCodeOf = (form: FormData) => String(form.get("sort_code") ?? "").replace(/[\s-]/g, "");
const accountNumberOf = (form: FormData) => String(form.get("account_number") ?? "").replace(/\s/g, "");

const labels = {
  account_holder_name: "Account holder name",
  sort_code: "Sort code",
  account_number: "Account number",
};

type Stage =
  | { kind: "loading" }
  | { kind: "gone" }
  | { kind: "unreachable"; problem: Problem }
  | { kind: "form"; invite: MandateInvite }
  | { kind: "done"; result: CompleteMandateInviteResponse; invite: MandateInvite };

export function InvitePage({ token }: { token: string }) {
  const [stage, setStage] = useState<Stage>({ kind: "loading" });
  const load = useCallback(() => {
    setStage({ kind: "loading" });
    invites.getMandateInvite({ inviteToken: token }).then(
      (invite) => setStage({ kind: "form", invite }),
      (error: unknown) =>
        setStage(isGone(error) ? { kind: "gone" } : { kind: "unreachable", problem: problemOf(error) }),
    );
  }, [token]);
  useEffect(load, [load]);

  switch (stage.kind) {
    case "loading":
      return <p aria-live="polite">Loading your Direct Debit details…</p>;
    case "gone":
      return (
        <>
          <h1>This link is no longer valid</h1>
          <p>
            It may have been used already, replaced by a newer link, or have expired. If you still need to set up the
            Direct Debit, ask the organisation that sent it for a new link.
          </p>
        </>
      );
    case "unreachable":
      return (
        <div role="alert">
          <h1>We could not load this page</h1>
          <p>{stage.problem.message}</p>
          <button type="button" onClick={load}>
            Try again
          </button>
        </div>
      );
    case "form":
      return (
        <BankDetailsForm
          invite={stage.invite}
          token={token}
          onDone={(result) => setStage({ kind: "done", result, invite: stage.invite })}
          onGone={() => setStage({ kind: "gone" })}
        />
      );
    case "done":
      return <Confirmation result={stage.result} invite={stage.invite} />;
  }
}

function BankDetailsForm({
  invite,
  token,
  onDone,
  onGone,
}: {
  invite: MandateInvite;
  token: string;
  onDone: (result: CompleteMandateInviteResponse) => void;
  onGone: () => void;
}) {
  const [problem, setProblem] = useState<Problem | undefined>();
  // What the modulus check said as the payer left the sort code or account number, before submitting.
  const [checked, setChecked] = useState<Record<string, string>>({});
  const [declarationMissing, setDeclarationMissing] = useState(false);
  const [sending, setSending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const confirmed = form.get("account_holder_confirmed") === "on";
    setDeclarationMissing(!confirmed);
    if (!confirmed) return;
    setSending(true);
    try {
      onDone(
        await invites.completeMandateInvite({
          inviteToken: token,
          accountHolderName: String(form.get("account_holder_name") ?? ""),
          sortCode: sortCodeOf(form),
          accountNumber: accountNumberOf(form),
          accountHolderConfirmed: confirmed,
        }),
      );
    } catch (error) {
      if (isGone(error)) return onGone();
      setProblem(problemOf(error, labels));
    } finally {
      setSending(false);
    }
  }

  // Once both numbers are complete, check them as the payer moves on: a typo shows at its field now,
  // not after submitting. A failed call says nothing here; submitting checks again.
  async function checkAccount(event: FocusEvent<HTMLFormElement>) {
    const left = event.target.getAttribute("name");
    if (left !== "sort_code" && left !== "account_number") return;
    const form = new FormData(event.currentTarget);
    const sortCode = sortCodeOf(form);
    const accountNumber = accountNumberOf(form);
    if (!/^\d{6}$/.test(sortCode) || !/^\d{8}$/.test(accountNumber)) return setChecked({});
    // This answer replaces what the last submit said of the two numbers.
    setProblem((p) => p && { ...p, fields: withoutNumbers(p.fields) });
    try {
      await bankDetails.validateBankDetails({ sortCode, accountNumber });
      setChecked({});
    } catch (error) {
      setChecked(problemOf(error, labels).fields);
    }
  }

  const fields = { ...checked, ...problem?.fields };
  return (
    <>
      <h1>Set up a Direct Debit</h1>
      <dl className="summary">
        <dt>Collected by</dt>
        <dd>{invite.organisationName}</dd>
        <BacsIdentity invite={invite} />
        <dt>Payer</dt>
        <dd>{invite.payerName}</dd>
        <dt>Reference</dt>
        <dd>{invite.mandateReference}</dd>
      </dl>
      <p>
        {invite.bacsDisplayName
          ? `Each payment will appear on your bank statement as ${invite.bacsDisplayName}, with this reference.`
          : "This reference will appear on your bank statement next to each payment."}
      </p>
      <form onSubmit={submit} onBlur={checkAccount} noValidate>
        {problem && (
          <div className="banner banner-error" role="alert">
            {problem.message}
          </div>
        )}
        <Field
          label="Account holder name"
          name="account_holder_name"
          autoComplete="name"
          maxLength={140}
          error={fields.account_holder_name}
        />
        <Field
          label="Sort code"
          name="sort_code"
          inputMode="numeric"
          autoComplete="off"
          hint="6 digits, for example 20-00-00"
          maxLength={8}
          error={fields.sort_code}
        />
        <Field
          label="Account number"
          name="account_number"
          inputMode="numeric"
          autoComplete="off"
          hint="8 digits"
          maxLength={10}
          error={fields.account_number}
        />
        <div className={declarationMissing ? "check field-error" : "check"}>
          <input
            type="checkbox"
            id="account_holder_confirmed"
            name="account_holder_confirmed"
            aria-invalid={declarationMissing || undefined}
            aria-describedby={declarationMissing ? "declaration-error" : undefined}
          />
          <label htmlFor="account_holder_confirmed">
            I am the account holder and the only person needed to authorise debits from this account.
          </label>
          {declarationMissing && (
            <p className="error-text" id="declaration-error">
              Please confirm that you are the account holder and can authorise debits alone.
            </p>
          )}
        </div>
        <button type="submit" className="primary" disabled={sending}>
          Set up Direct Debit
        </button>
      </form>
      <DirectDebitGuarantee payee={invite.organisationName} />
    </>
  );
}

/**
 * BacsIdentity is the rest of the Instruction's header: the service user number and the name the
 * payer's bank will print, each left out while the organisation has none, and the notice the payer
 * will have of each payment (the Guarantee's 10 working days "or as otherwise agreed": this is the
 * agreement, so it is said whenever the service gives it).
 */
function BacsIdentity({ invite }: { invite: MandateInvite }) {
  return (
    <>
      {invite.serviceUserNumber && (
        <>
          <dt>Service user number</dt>
          <dd>{invite.serviceUserNumber}</dd>
        </>
      )}
      {invite.bacsDisplayName && (
        <>
          <dt>On your statement</dt>
          <dd>{invite.bacsDisplayName}</dd>
        </>
      )}
      {invite.advanceNoticeWorkingDays > 0 && (
        <>
          <dt>Advance notice</dt>
          <dd>{invite.advanceNoticeWorkingDays} working days before each payment</dd>
        </>
      )}
    </>
  );
}

function Confirmation({ result, invite }: { result: CompleteMandateInviteResponse; invite: MandateInvite }) {
  const account = result.bankAccount;
  return (
    <>
      <h1>Direct Debit set up</h1>
      <p>
        Thank you. {result.organisationName} will lodge your Direct Debit Instruction with your bank. You do not need to
        do anything else.
      </p>
      <dl className="summary">
        <dt>Collected by</dt>
        <dd>{result.organisationName}</dd>
        <BacsIdentity invite={invite} />
        <dt>Reference</dt>
        <dd>{result.mandateReference}</dd>
        {account && (
          <>
            <dt>Account holder</dt>
            <dd>{account.accountHolderName}</dd>
            <dt>Sort code</dt>
            <dd>{formatSortCode(account.sortCode)}</dd>
            <dt>Account number</dt>
            <dd>ending {account.accountNumberEnding}</dd>
          </>
        )}
      </dl>
      <DirectDebitGuarantee payee={result.organisationName} />
    </>
  );
}

function withoutNumbers(fields: Record<string, string>): Record<string, string> {
  const { sort_code: _sortCode, account_number: _accountNumber, ...rest } = fields;
  return rest;
}

function isGone(error: unknown): boolean {
  return ConnectError.from(error).code === Code.NotFound;
}
