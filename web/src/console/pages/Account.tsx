/**
 * Account is the signed-in user's own security: change the password, set up or turn off the
 * authenticator (TOTP). When the organisation requires a second factor of admins and this admin has
 * none, the console shows only this page until it is set up (the server refuses everything else).
 */
import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { SessionService } from "../../../../gen/dd/v1/sessions_pb.js";
import { problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { chosenPassword, NewPasswordFields } from "../NewPasswordFields.js";
import { sessionKey, useStaff } from "../session.js";

export default function Account({ required = false }: { required?: boolean }) {
  const { session } = useStaff();
  return (
    <>
      <h1>Your account</h1>
      {required && (
        <div className="banner banner-info" role="status">
          {session.organisationName} requires admins to use an authenticator app. Set one up below to continue.
        </div>
      )}
      <TwoFactor enabled={session.totpEnabled} />
      {!required && <ChangePassword />}
    </>
  );
}

function useRefreshSession() {
  const queryClient = useQueryClient();
  return () => void queryClient.invalidateQueries({ queryKey: sessionKey });
}

function ChangePassword() {
  const refresh = useRefreshSession();
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation(SessionService.method.changePassword, { onSuccess: refresh });
  const problem = change.error
    ? problemOf(change.error, { current_password: "Current password", new_password: "New password" })
    : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = chosenPassword(form, "new_password");
    setMismatch(next === undefined);
    if (next === undefined) return;
    change.mutate({ currentPassword: String(form.get("current_password") ?? ""), newPassword: next });
  }

  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      {change.isSuccess ? (
        <p role="status">Password changed. Your other sessions have been signed out.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <ProblemBanner problem={problem} />
          <Field
            label="Current password"
            name="current_password"
            type="password"
            autoComplete="current-password"
            error={problem?.fields.current_password}
          />
          <NewPasswordFields
            label="New password"
            againLabel="Repeat the new password"
            name="new_password"
            error={problem?.fields.new_password}
            mismatch={mismatch}
          />
          <button type="submit" className="primary" disabled={change.isPending}>
            Change password
          </button>
        </form>
      )}
    </section>
  );
}

function TwoFactor({ enabled }: { enabled: boolean }) {
  const refresh = useRefreshSession();
  const enroll = useMutation(SessionService.method.enrollTotp);
  // Once on (or off), the setup key shown is void: forget it.
  const done = () => {
    enroll.reset();
    refresh();
  };
  const confirm = useMutation(SessionService.method.confirmTotp, { onSuccess: done });
  const disable = useMutation(SessionService.method.disableTotp, { onSuccess: done });
  const labels = { current_password: "Password", code: "Code" };
  const problem = [enroll.error, confirm.error, disable.error].find(Boolean);
  const shown = problem ? problemOf(problem, labels) : undefined;
  const value = (event: FormEvent<HTMLFormElement>, name: string) =>
    String(new FormData(event.currentTarget).get(name) ?? "");

  if (enabled)
    return (
      <section className="card" aria-labelledby="totp-heading">
        <h2 id="totp-heading">Authenticator app</h2>
        <p>
          <span className="badge badge-active">On</span> Signing in asks for a code from your authenticator app.
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            disable.mutate({ code: value(e, "code") });
          }}
          noValidate
        >
          <ProblemBanner problem={shown} />
          <Field
            label="Code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            hint="To turn the authenticator off, enter its current code"
            error={shown?.fields.code}
          />
          <button type="submit" disabled={disable.isPending}>
            Turn off the authenticator
          </button>
        </form>
      </section>
    );

  return (
    <section className="card" aria-labelledby="totp-heading">
      <h2 id="totp-heading">Authenticator app</h2>
      <ProblemBanner problem={shown} />
      {!enroll.data ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            enroll.mutate({ currentPassword: value(e, "current_password") });
          }}
          noValidate
        >
          <p>Add a second step to signing in: a 6-digit code from an authenticator app on your phone.</p>
          <Field
            label="Password"
            name="current_password"
            type="password"
            autoComplete="current-password"
            hint="Your password, to confirm it is you"
            error={shown?.fields.current_password}
          />
          <button type="submit" className="primary" disabled={enroll.isPending}>
            Set up an authenticator
          </button>
        </form>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            confirm.mutate({ code: value(e, "code") });
          }}
          noValidate
        >
          <p>
            In your authenticator app, add an account with this setup key (or open the link on the phone that has the
            app):
          </p>
          <div className="field">
            <label htmlFor="totp-secret">Setup key</label>
            <input id="totp-secret" readOnly value={enroll.data.secret} className="secret" />
          </div>
          <p>
            <a href={enroll.data.otpauthUri}>Open in an authenticator app</a>
          </p>
          <Field
            label="Code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            hint="The 6-digit code the app now shows"
            error={shown?.fields.code}
          />
          <button type="submit" className="primary" disabled={confirm.isPending}>
            Turn on the authenticator
          </button>
        </form>
      )}
    </section>
  );
}
