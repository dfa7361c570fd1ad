/**
 * errors.ts turns what the service answers into what a person reads: field violations by field, a
 * refusal as what the role cannot do, a rate limit with its wait, a lost connection with a retry.
 * The server's google.rpc details (BadRequest, RetryInfo, ErrorInfo) carry the facts.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { ukDatesIn } from "./dates-in-text.js";

/** Problem is one failed call, ready to show. */
export interface Problem {
  /** A sentence for the whole form or page. */
  message: string;
  /** Field violations by the request field's name (`sort_code`), each a sentence. */
  fields: Record<string, string>;
  /** Worth offering a retry: the connection was lost or the service was briefly unavailable. */
  retryable: boolean;
  /** The caller's session has ended: the page should go back to sign-in. */
  signedOut: boolean;
}

/**
 * problemOf describes any error thrown by a Connect call. `labels` names request fields as the form
 * shows them (`sort_code` → "Sort code"); others are spelled out from the field name.
 */
export function problemOf(error: unknown, labels: Record<string, string> = {}): Problem {
  const e = ConnectError.from(error);
  const base = { fields: {}, retryable: false, signedOut: false };
  switch (e.code) {
    case Code.InvalidArgument: {
      const fields: Record<string, string> = {};
      for (const bad of e.findDetails(BadRequestSchema))
        for (const v of bad.fieldViolations)
          fields[v.field] ??= sentence(labels[v.field] ?? v.field, readable(v.description, labels));
      const count = Object.keys(fields).length;
      const message = count > 0 ? `Please correct the ${count === 1 ? "field" : "fields"} marked below.` : e.rawMessage;
      return { ...base, fields, message };
    }
    case Code.PermissionDenied:
      return { ...base, message: refusal(e) };
    case Code.ResourceExhausted: {
      const wait = retrySeconds(e);
      return {
        ...base,
        retryable: true,
        message: wait
          ? `Too many requests: please wait ${wait} second${wait === 1 ? "" : "s"} and try again.`
          : "Too many requests: please wait a moment and try again.",
      };
    }
    case Code.Unauthenticated:
      return { ...base, signedOut: true, message: e.rawMessage || "Your session has ended: please sign in again." };
    case Code.Unavailable:
    case Code.DeadlineExceeded:
    case Code.Unknown:
    case Code.Canceled:
      return {
        ...base,
        retryable: true,
        message: "The connection to the service was lost. Check your network and try again.",
      };
    case Code.Internal:
      return { ...base, retryable: true, message: "Something went wrong on our side. Please try again." };
    default:
      return { ...base, message: e.rawMessage };
  }
}

// A contract field's name as a description cites it: "start_date" (a plain word is left alone).
const fieldName = /\b[a-z]+(?:_[a-z]+)+\b/g;

/**
 * readable rewrites a service description for the person at the form: "must not be before
 * start_date 2026-12-27" reads "must not be before start date 27 Dec 2026", fields named as the
 * form labels them (without a parenthesis such as "(optional)"), or else spelled out.
 */
function readable(description: string, labels: Record<string, string>): string {
  const labelOf = new Map<string, string>();
  for (const [field, label] of Object.entries(labels))
    labelOf.set(field.split(".").at(-1) ?? field, label.replace(/\s*\(.*\)$/, "").toLowerCase());
  return ukDatesIn(description).replace(fieldName, (name) => labelOf.get(name) ?? name.replaceAll("_", " "));
}

/** Descriptions read as "is required", "must be 6 digits": prefix them with the field's label. */
function sentence(label: string, description: string): string {
  return `${label.charAt(0).toUpperCase()}${label.slice(1).replaceAll("_", " ")} ${description}.`.replace(/\.\.$/, ".");
}

/** refusal says why PERMISSION_DENIED, by its ErrorInfo reason: most often what the role cannot do. */
function refusal(e: ConnectError): string {
  const info = e.findDetails(ErrorInfoSchema)[0];
  switch (info?.reason) {
    case "MISSING_SCOPE":
      return `Your role cannot do this: it needs the ${info.metadata.required_scope} permission.`;
    case "ROLE_REQUIRED":
      return "Your role cannot do this: ask an admin.";
    case "TOTP_ENROLMENT_REQUIRED":
      return "Set up an authenticator app on Your account first: your organisation requires it of admins.";
    case "ORIGIN_NOT_ALLOWED":
      return "This page's address may not use your session: open the console at its usual address.";
    case "SANDBOX_ONLY":
      return "Only sandbox organisations can simulate outcomes.";
    default:
      return e.rawMessage;
  }
}

function retrySeconds(e: ConnectError): number | undefined {
  const delay = e.findDetails(RetryInfoSchema)[0]?.retryDelay;
  if (delay) return Math.max(1, Math.ceil(Number(delay.seconds) + delay.nanos / 1e9));
  const header = e.metadata.get("retry-after");
  return header && /^\d+$/.test(header) ? Math.max(1, Number(header)) : undefined;
}
