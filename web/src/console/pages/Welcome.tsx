/**
 * Welcome is where a new team member lands from their welcome email, before they have a session:
 * they choose a password (typed twice, compared here; the service's policy is checked there and
 * shown next to the field), the single-use token is spent, and they are signed in with it at once.
 * A used, expired or unknown token gets one page saying what to do instead.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { useMutation } from "@connectrpc/connect-query";
import { type FormEvent, useState } from "react";
import { SessionService } from "../../../../gen/dd/v1/sessions_pb.js";
import { UserService } from "../../../../gen/dd/v1/users_pb.js";
import { problemOf } from "../../shared/errors.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { chosenPassword, NewPasswordFields } from "../NewPasswordFields.js";

export default function Welcome({ token, onSignedIn }: { token: string; onSignedIn: () => void }) {
  const [mismatch, setMismatch] = useState(false);
  const complete = useMutation(UserService.method.completeWelcome);
  const signIn = useMutation(SessionService.method.signIn, { onSuccess: onSignedIn });

  if (complete.error && ConnectError.from(complete.error).code === Code.NotFound) return <LinkGone />;
  if (complete.data && signIn.error) {
    return (
      <main className="narrow">
        <h1>Your password is set</h1>
        <ProblemBanner problem={problemOf(signIn.error)} />
        <p>
          Signing you in did not work just now. <a href="/console/">Sign in</a> with your email,{" "}
          {complete.data.user?.email}, and the password you chose.
        </p>
      </main>
    );
  }

  const problem = complete.error ? problemOf(complete.error, { password: "Password" }) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = chosenPassword(form, "password");
    setMismatch(password === undefined);
    if (password === undefined) return;
    complete.mutate(
      { welcomeToken: token, password },
      { onSuccess: (welcomed) => signIn.mutate({ email: welcomed.user?.email ?? "", password }) },
    );
  }

  return (
    <main className="narrow">
      <h1>Welcome to the Direct Debit console</h1>
      <p>Choose the password you will sign in with. This link works once.</p>
      <form onSubmit={submit} noValidate>
        <ProblemBanner problem={problem} />
        <NewPasswordFields
          label="Password"
          againLabel="Password again"
          name="password"
          error={problem?.fields.password}
          mismatch={mismatch}
        />
        <button type="submit" className="primary" disabled={complete.isPending || signIn.isPending}>
          Set password and sign in
        </button>
      </form>
    </main>
  );
}

function LinkGone() {
  return (
    <main className="narrow">
      <h1>This link is no longer valid</h1>
      <p>
        A welcome link works once, for 7 days. If you have already chosen your password, <a href="/console/">sign in</a>{" "}
        with it. If not, ask an admin of your organisation for a new invitation.
      </p>
    </main>
  );
}
