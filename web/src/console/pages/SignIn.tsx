/**
 * SignIn asks for email and password, and for the authenticator code when the user has TOTP on (the
 * server answers TOTP_REQUIRED to a right password without one).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { useMutation } from "@connectrpc/connect-query";
import { type FormEvent, useState } from "react";
import { SessionService } from "../../../../gen/dd/v1/sessions_pb.js";
import { ErrorInfoSchema } from "../../../../gen/google/rpc/error_details_pb.js";
import { problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";

const labels = { email: "Email", password: "Password", totp_code: "Authenticator code" };

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [askCode, setAskCode] = useState(false);
  const signIn = useMutation(SessionService.method.signIn);
  const problem = signIn.error && !isTotpRequired(signIn.error) ? problemOf(signIn.error, labels) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    signIn.mutate(
      {
        email: String(form.get("email") ?? ""),
        password: String(form.get("password") ?? ""),
        totpCode: String(form.get("totp_code") ?? ""),
      },
      {
        onSuccess: onSignedIn,
        onError: (error) => isTotpRequired(error) && setAskCode(true),
      },
    );
  }

  return (
    <main className="narrow">
      <h1>Sign in to the Direct Debit console</h1>
      <form onSubmit={submit} noValidate>
        <ProblemBanner problem={problem} />
        <Field label="Email" name="email" type="email" autoComplete="username" error={problem?.fields.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          error={problem?.fields.password}
        />
        {askCode && (
          <Field
            label="Authenticator code"
            name="totp_code"
            inputMode="numeric"
            autoComplete="one-time-code"
            hint="The 6-digit code your authenticator app shows now"
            error={problem?.fields.totp_code}
          />
        )}
        <button type="submit" className="primary" disabled={signIn.isPending}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function isTotpRequired(error: unknown): boolean {
  const e = ConnectError.from(error);
  return e.code === Code.Unauthenticated && e.findDetails(ErrorInfoSchema).some((i) => i.reason === "TOTP_REQUIRED");
}
