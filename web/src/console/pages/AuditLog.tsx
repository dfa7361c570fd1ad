/**
 * AuditLog lets admins read who did what in the organisation, newest first, filtered by actor,
 * action and days (a UK office's days: From and To are London dates, both included). Users (as actor or
 * target) are shown by email, read from the team list, with the id the log names them by.
 */

import { type Timestamp, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { useQuery } from "@connectrpc/connect-query";
import { type FormEvent, useState } from "react";
import { type AuditEvent, AuditService } from "../../../../gen/dd/v1/audit_pb.js";
import { UserService } from "../../../../gen/dd/v1/users_pb.js";
import { problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { when } from "../format.js";
import { Pager, usePages } from "../Pager.js";

interface Filters {
  actor: string;
  action: string;
  /** London dates, "YYYY-MM-DD", or "". */
  from: string;
  to: string;
}

const noFilters: Filters = { actor: "", action: "", from: "", to: "" };

export default function AuditLog() {
  const [filters, setFilters] = useState<Filters>(noFilters);
  // Bumped by "Clear filters" so the form's inputs start again from empty.
  const [formKey, setFormKey] = useState(0);
  const [rangeError, setRangeError] = useState<string>();
  const pages = usePages();
  const list = useQuery(AuditService.method.listAuditEvents, {
    pageSize: 50,
    pageToken: pages.pageToken,
    actor: filters.actor,
    action: filters.action,
    since: filters.from ? londonMidnight(filters.from) : undefined,
    until: filters.to ? londonMidnight(filters.to, 1) : undefined,
  });
  const emails = useUserEmails();
  const problem = list.error ? problemOf(list.error, { since: "From", until: "To" }) : undefined;

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = {
      actor: String(form.get("actor") ?? "").trim(),
      action: String(form.get("action") ?? "").trim(),
      from: String(form.get("from") ?? ""),
      to: String(form.get("to") ?? ""),
    };
    const backwards = next.from !== "" && next.to !== "" && next.to < next.from;
    setRangeError(backwards ? "To must be the same day as From or later." : undefined);
    if (backwards) return;
    setFilters(next);
    pages.restart();
  }

  return (
    <>
      <div className="page-head">
        <h1>Audit log</h1>
      </div>
      <p className="lede">
        Every change to keys, users, mandates and collections, every sign-in and every refused call, newest first.
      </p>
      <search>
        <form key={formKey} className="filters audit-filters" onSubmit={apply} noValidate>
          <Field
            label="Actor"
            name="actor"
            defaultValue={filters.actor}
            hint="Exactly as the log names it: user:US…, key:AK…, payer, system"
          />
          <Field
            label="Action"
            name="action"
            defaultValue={filters.action}
            hint="Exactly, for example user.set_role or api_key.create"
          />
          <Field label="From" name="from" type="date" defaultValue={filters.from} error={problem?.fields.since} />
          <Field
            label="To"
            name="to"
            type="date"
            defaultValue={filters.to}
            error={rangeError ?? problem?.fields.until}
          />
          <div className="filter-actions">
            <button type="submit" className="primary">
              Apply filters
            </button>
            <button
              type="button"
              onClick={() => {
                setFilters(noFilters);
                setRangeError(undefined);
                setFormKey(formKey + 1);
                pages.restart();
              }}
            >
              Clear filters
            </button>
          </div>
        </form>
      </search>
      <ProblemBanner problem={problem} onRetry={() => void list.refetch()} />
      {list.data &&
        (list.data.auditEvents.length === 0 ? (
          <p>No events match.</p>
        ) : (
          <EventTable events={list.data.auditEvents} emails={emails} />
        ))}
      <Pager label="Audit log pages" pages={pages} nextPageToken={list.data?.nextPageToken} />
    </>
  );
}

function EventTable({ events, emails }: { events: AuditEvent[]; emails: ReadonlyMap<string, string> }) {
  return (
    <div className="table-wrap">
      <table className="audit-table">
        <caption className="visually-hidden">Audit events</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => {
            const actorEmail = emails.get(event.actor);
            const targetEmail = emails.get(`user:${event.target}`);
            return (
              <tr key={event.id}>
                <th scope="row">{when(event.createTime)}</th>
                <td>
                  {actorEmail ?? <code>{event.actor}</code>}
                  {actorEmail && (
                    <div className="hint">
                      <code>{event.actor}</code>
                    </div>
                  )}
                </td>
                <td>
                  <code>{event.action}</code>
                </td>
                <td>
                  {targetEmail ?? (event.target ? <code>{event.target}</code> : "—")}
                  {targetEmail && (
                    <div className="hint">
                      <code>{event.target}</code>
                    </div>
                  )}
                </td>
                <td>
                  {/* A role change reads "member->viewer"; an arrow reads better and wraps cleanly. */}
                  {event.outcome.replace("->", " → ")}
                  {event.count > 1 && <div className="hint">{event.count} times in the minute</div>}
                  {event.clientAddress && <div className="hint">from {event.clientAddress}</div>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** useUserEmails maps the log's user actors ("user:US…") to emails, deactivated users included. */
function useUserEmails(): ReadonlyMap<string, string> {
  const users = useQuery(UserService.method.listUsers, { pageSize: 500, showDeactivated: true });
  return new Map((users.data?.users ?? []).map((u) => [`user:${u.id}`, u.email]));
}

/**
 * londonMidnight is the instant a London day begins, `plusDays` after `date` ("YYYY-MM-DD"). Clocks
 * change at 01:00 UTC, so London's offset at 00:00 UTC of the day is its offset at midnight too.
 */
function londonMidnight(date: string, plusDays = 0): Timestamp {
  const [year = 0, month = 1, dayOfMonth = 1] = date.split("-").map(Number);
  const utcMidnight = Date.UTC(year, month - 1, dayOfMonth + plusDays);
  return timestampFromMs(utcMidnight - londonOffsetMs(utcMidnight));
}

const londonClock = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  hourCycle: "h23",
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  minute: "numeric",
});

/** londonOffsetMs is how far London's clocks are ahead of UTC at an instant (0 or one hour). */
function londonOffsetMs(at: number): number {
  const part = (type: string) => Number(londonClock.formatToParts(at).find((p) => p.type === type)?.value);
  return Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute")) - at;
}
