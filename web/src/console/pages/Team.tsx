/**
 * Team is where admins see who signs in to the console, add members (who get an email with a
 * single-use link to set their password), change roles and deactivate people. A role change or a
 * deactivation ends the person's sessions at once, so the confirmations say so. The service refuses
 * to demote or deactivate the organisation's last active admin; its message is shown as it comes.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Role } from "../../../../gen/dd/v1/access_pb.js";
import { AuditService } from "../../../../gen/dd/v1/audit_pb.js";
import { type User, UserState } from "../../../../gen/dd/v1/sessions_pb.js";
import { UserService } from "../../../../gen/dd/v1/users_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { type Problem, problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { day, when } from "../format.js";
import { Pager, usePages } from "../Pager.js";
import { roleName, useStaff } from "../session.js";
import { enumLabel } from "../states.js";

/** The roles an admin can give, with what each may do (their scopes, in words). */
const roles: readonly { role: Role; grants: string }[] = [
  { role: Role.ADMIN, grants: "everything, including API keys, the team and the audit log" },
  { role: Role.MEMBER, grants: "mandates, collections, alerts and reports, reading and changing them" },
  { role: Role.VIEWER, grants: "reads mandates, collections, alerts and reports; changes nothing" },
];

type Open = { kind: "add" } | { kind: "role"; user: User } | { kind: "deactivate"; user: User } | undefined;

export default function Team() {
  const [showDeactivated, setShowDeactivated] = useState(false);
  const [open, setOpen] = useState<Open>();
  const pages = usePages();
  const list = useQuery(UserService.method.listUsers, { pageSize: 100, pageToken: pages.pageToken, showDeactivated });
  const close = () => setOpen(undefined);

  return (
    <>
      <div className="page-head">
        <h1>Team</h1>
        <button type="button" className="primary" onClick={() => setOpen({ kind: "add" })}>
          Add member
        </button>
      </div>
      <p className="lede">
        Everyone who signs in to this console, and their role. A new member gets an email with a link to choose their
        password; it works once, for 7 days.
      </p>
      <label className="inline-check">
        <input
          type="checkbox"
          checked={showDeactivated}
          onChange={(e) => {
            setShowDeactivated(e.currentTarget.checked);
            pages.restart();
          }}
        />
        Show deactivated users
      </label>
      <ProblemBanner problem={list.error ? problemOf(list.error) : undefined} onRetry={() => void list.refetch()} />
      {list.data && <UserTable users={list.data.users} onOpen={setOpen} />}
      <Pager label="Team pages" pages={pages} nextPageToken={list.data?.nextPageToken} />
      {open?.kind === "add" && <AddMemberDialog onClose={close} />}
      {open?.kind === "role" && <ChangeRoleDialog user={open.user} onClose={close} />}
      {open?.kind === "deactivate" && <DeactivateDialog user={open.user} onClose={close} />}
    </>
  );
}

function UserTable({ users, onOpen }: { users: User[]; onOpen: (open: Open) => void }) {
  const me = useStaff().session.user?.id;
  if (users.length === 0) return <p>No users match.</p>;
  return (
    <div className="table-wrap">
      <table className="team-table">
        <caption className="visually-hidden">Team members</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Role</th>
            <th scope="col">State</th>
            <th scope="col">TOTP</th>
            <th scope="col">Added</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => {
            const deactivated = user.state === UserState.DEACTIVATED;
            return (
              <tr key={user.id}>
                <th scope="row">
                  {user.displayName || user.email}
                  {user.id === me && <span className="hint"> (you)</span>}
                  {user.displayName && <div className="hint">{user.email}</div>}
                </th>
                <td>{roleName(user.role)}</td>
                <td>
                  <span className={`badge badge-user-${UserState[user.state].toLowerCase()}`}>
                    {enumLabel(UserState[user.state])}
                  </span>
                  {deactivated && <div className="hint">{when(user.deactivateTime)}</div>}
                </td>
                <td>{user.totpEnabled ? "On" : "Off"}</td>
                <td>{day(user.createTime)}</td>
                <td className="actions">
                  {user.state === UserState.INVITED && <ResendWelcome user={user} />}
                  {!deactivated && (
                    <>
                      <button type="button" onClick={() => onOpen({ kind: "role", user })}>
                        Change role
                      </button>
                      <button type="button" onClick={() => onOpen({ kind: "deactivate", user })}>
                        Deactivate
                      </button>
                    </>
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

/** useRefreshTeam refetches the users and the audit log, which records every change made here. */
function useRefreshTeam() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all(
      [UserService, AuditService].map((schema) =>
        queryClient.invalidateQueries({ queryKey: createConnectQueryKey({ schema, cardinality: undefined }) }),
      ),
    );
}

const addLabels = { "user.email": "Email", "user.role": "Role" };

/** addProblem puts an email that already has an account next to the Email field. */
function addProblem(error: unknown): Problem {
  const problem = problemOf(error, addLabels);
  if (ConnectError.from(error).code !== Code.AlreadyExists) return problem;
  return {
    ...problem,
    message: "Please correct the field marked below.",
    fields: {
      "user.email":
        "This email already has an account, in this organisation or another: each person signs in with one email.",
    },
  };
}

function AddMemberDialog({ onClose }: { onClose: () => void }) {
  const refresh = useRefreshTeam();
  const create = useMutation(UserService.method.createUser, {
    onSuccess: () => {
      void refresh();
      onClose();
    },
  });
  const problem = create.error ? addProblem(create.error) : undefined;
  const fields = problem?.fields ?? {};

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      user: { email: String(form.get("email") ?? "").trim(), role: Number(form.get("role")) as Role },
    });
  }

  return (
    <Dialog title="Add a team member" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ProblemBanner problem={problem} />
        <p>They get an email with a link to choose their password. The link works once, for 7 days.</p>
        <Field
          label="Email"
          name="email"
          type="email"
          maxLength={254}
          autoComplete="off"
          error={fields["user.email"]}
        />
        <RoleSelect
          id="new-member-role"
          label="Role"
          name="role"
          defaultValue={Role.MEMBER}
          error={fields["user.role"]}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            Send invitation
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** RoleSelect picks a role; each option is the role's name, and the hint says what each may do. */
function RoleSelect({
  id,
  label,
  name,
  defaultValue,
  error,
}: {
  id: string;
  label: string;
  name: string;
  defaultValue: Role;
  error?: string | undefined;
}) {
  const described = [`${id}-hint`, error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className={error ? "field field-error" : "field"}>
      <label htmlFor={id}>{label}</label>
      <ul className="hint role-grants" id={`${id}-hint`}>
        {roles.map((r) => (
          <li key={r.role}>
            <strong>{roleName(r.role)}</strong>: {r.grants}
          </li>
        ))}
      </ul>
      {error && (
        <p className="error-text" id={`${id}-error`}>
          {error}
        </p>
      )}
      <select
        id={id}
        name={name}
        defaultValue={defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
      >
        {roles.map((r) => (
          <option key={r.role} value={r.role}>
            {roleName(r.role)}
          </option>
        ))}
      </select>
    </div>
  );
}

function ChangeRoleDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const self = useStaff().session.user?.id === user.id;
  const refresh = useRefreshTeam();
  const update = useMutation(UserService.method.updateUser, {
    onSuccess: () => {
      void refresh();
      onClose();
    },
  });
  const problem = update.error ? problemOf(update.error, { "user.role": "Role" }) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const role = Number(new FormData(event.currentTarget).get("role")) as Role;
    update.mutate({ user: { id: user.id, role }, updateMask: { paths: ["role"] } });
  }

  return (
    <Dialog title={`Change the role of ${user.email}`} onClose={onClose}>
      <form onSubmit={submit}>
        <ProblemBanner problem={problem} />
        <p>
          Their role is <strong>{roleName(user.role)}</strong>. Changing it ends all their sessions at once: they sign
          in again and then work with the new role.
          {self && " This is you: you will be signed out."}
        </p>
        <RoleSelect
          id="changed-role"
          label="New role"
          name="role"
          defaultValue={user.role}
          error={problem?.fields["user.role"]}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={update.isPending}>
            Change role
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** ResendWelcome emails an invited member a new welcome link (the old one stops working). */
function ResendWelcome({ user }: { user: User }) {
  const resend = useMutation(UserService.method.resendWelcome);
  return (
    <>
      <button type="button" onClick={() => resend.mutate({ userId: user.id })} disabled={resend.isPending}>
        Resend invitation
      </button>
      <span className="hint" role="status">
        {resend.isSuccess ? "Sent." : resend.error ? problemOf(resend.error).message : ""}
      </span>
    </>
  );
}

function DeactivateDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const self = useStaff().session.user?.id === user.id;
  const refresh = useRefreshTeam();
  const deactivate = useMutation(UserService.method.deactivateUser, {
    onSuccess: () => {
      void refresh();
      onClose();
    },
  });

  return (
    <Dialog title={`Deactivate ${user.email}`} onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          deactivate.mutate({ userId: user.id });
        }}
      >
        <ProblemBanner problem={deactivate.error ? problemOf(deactivate.error) : undefined} />
        <p>
          Every session of theirs ends at once, they can no longer sign in, and an unused welcome link stops working.
          This cannot be undone.
          {self && " This is you: you will be signed out."}
        </p>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={deactivate.isPending}>
            Deactivate user
          </button>
        </div>
      </form>
    </Dialog>
  );
}
