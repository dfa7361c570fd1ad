/**
 * user.ts holds the user commands: `ddctl user create` (a person who signs in to an organisation's
 * dashboard; the password comes from stdin, first line, so it never appears in argv, `ps` or shell
 * history), `user set-role`, `user deactivate` and `user reset-totp` (each ends the user's sessions
 * at once), and `user unlock` (a sign-in locked by wrong TOTP codes).
 */

import type { EntityManager } from "@mikro-orm/postgresql";
import { InvalidArgumentError } from "../modules/errors.js";
import type { Acting } from "../modules/identity/acting.js";
import { minPasswordLength, newPasswordProblem } from "../modules/identity/password.js";
import { roleNames } from "../modules/identity/scopes.js";
import type { UserAccounts } from "../modules/identity/user-accounts.js";
import { type Flags, requireChoice, requireString, UsageError } from "./args.js";
import type { Command } from "./command.js";
import { inOrganisation } from "./in-organisation.js";
import { readPasswordLine } from "./password-input.js";
import type { CliRuntime } from "./runtime.js";

/** userCreate prints `{"id": "US…", "email", "role", "organisation_id"}`. */
export const userCreate: Command = {
  words: ["user", "create"],
  flags: { org: "string", email: "string", role: "string" },
  usage: "user create --org ORG_ID --email EMAIL --role admin|member|viewer",
  summary: `add a user; password (${minPasswordLength}+ characters) on stdin`,
  async run(flags, { runtime, stdin, stderr }) {
    const organisationId = requireString("user create", flags, "org");
    const email = requireString("user create", flags, "email");
    const role = requireChoice("user create", flags, "role", roleNames);
    const password = await readPasswordLine(stdin, stderr);
    if (!password) {
      throw new UsageError(
        "ddctl user create: give the password on stdin, first line (e.g. printf '%s\\n' \"$PASSWORD\" | ddctl user create …)",
      );
    }

    // createUser checks this too, but only after the organisation: a bad password should not wait for the database.
    const problem = newPasswordProblem(password);
    if (problem) {
      throw InvalidArgumentError.field("password", problem);
    }

    const user = await inOrganisation(runtime, organisationId, ({ provisioning }, em) =>
      provisioning.createUser(em, { organisationId, email, role, password }),
    );
    return {
      json: { id: user.id, email: user.email, role: user.role, organisation_id: organisationId },
      text: `created ${user.role} ${user.id} <${user.email}> in organisation ${organisationId}`,
    };
  },
};

/**
 * targetUser reads the --org and --user every command on one user takes, first, and returns how to
 * act on that user (in the organisation's transaction, as the operator) once the command's other
 * flags are checked.
 */
function targetUser(
  command: string,
  flags: Flags,
  runtime: CliRuntime,
): <T>(act: (accounts: UserAccounts, em: EntityManager, operator: Acting, userId: string) => Promise<T>) => Promise<T> {
  const organisationId = requireString(command, flags, "org");
  const userId = requireString(command, flags, "user");
  return (act) =>
    inOrganisation(runtime, organisationId, ({ userAccounts }, em, operator) =>
      act(userAccounts, em, operator, userId),
    );
}

/** userSetRole prints `{"id", "role", "ended_sessions"}`. */
export const userSetRole: Command = {
  words: ["user", "set-role"],
  flags: { org: "string", user: "string", role: "string" },
  usage: "user set-role --org ORG_ID --user USER_ID --role admin|member|viewer",
  summary: "change a user's role; every session of the user ends at once",
  async run(flags, { runtime }) {
    const onUser = targetUser("user set-role", flags, runtime);
    const role = requireChoice("user set-role", flags, "role", roleNames);
    const { user, endedSessions } = await onUser((accounts, em, operator, id) =>
      accounts.setRole(em, operator, id, role),
    );
    return {
      json: { id: user.id, role: user.role, ended_sessions: endedSessions },
      text: `user ${user.id} is now ${user.role}; ${endedSessions} session(s) ended`,
    };
  },
};

/** userDeactivate prints `{"id", "deactivate_time", "ended_sessions"}`. */
export const userDeactivate: Command = {
  words: ["user", "deactivate"],
  flags: { org: "string", user: "string" },
  usage: "user deactivate --org ORG_ID --user USER_ID",
  summary: "stop a user signing in; every session of the user ends at once",
  async run(flags, { runtime }) {
    const onUser = targetUser("user deactivate", flags, runtime);
    const { user, endedSessions } = await onUser((accounts, em, operator, id) => accounts.deactivate(em, operator, id));
    return {
      json: { id: user.id, deactivate_time: user.deactivateTime?.toISOString(), ended_sessions: endedSessions },
      text: `user ${user.id} deactivated; ${endedSessions} session(s) ended`,
    };
  },
};

/** userResetTotp prints `{"id", "ended_sessions"}`. */
export const userResetTotp: Command = {
  words: ["user", "reset-totp"],
  flags: { org: "string", user: "string" },
  usage: "user reset-totp --org ORG_ID --user USER_ID",
  summary: "turn off a user's TOTP (lost authenticator); their sessions end, they enrol again",
  async run(flags, { runtime }) {
    const onUser = targetUser("user reset-totp", flags, runtime);
    const { user, endedSessions } = await onUser((accounts, em, operator, id) => accounts.resetTotp(em, operator, id));
    return {
      json: { id: user.id, ended_sessions: endedSessions },
      text: `user ${user.id}: TOTP off; ${endedSessions} session(s) ended`,
    };
  },
};

/** userUnlock prints `{"id", "was_locked"}`. */
export const userUnlock: Command = {
  words: ["user", "unlock"],
  flags: { org: "string", user: "string" },
  usage: "user unlock --org ORG_ID --user USER_ID",
  summary: "let a user sign in again after too many wrong TOTP codes (their TOTP stays on)",
  async run(flags, { runtime }) {
    const onUser = targetUser("user unlock", flags, runtime);
    const { user, wasLocked } = await onUser((accounts, em, operator, id) => accounts.unlock(em, operator, id));
    return {
      json: { id: user.id, was_locked: wasLocked },
      text: wasLocked
        ? `user ${user.id}: sign-in unlocked`
        : `user ${user.id} was not locked; wrong-code count cleared`,
    };
  },
};
