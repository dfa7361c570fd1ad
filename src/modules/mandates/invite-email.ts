/**
 * invite-email.ts writes the email that asks a payer to set up their Direct Debit. The link holds
 * the invite token: it is the only copy of it anywhere, so this text must never reach a log.
 */
import type { MailMessage } from "../../platform/mail/mailer.js";

/** InviteEmailInput is what the email says. */
export interface InviteEmailInput {
  publicBaseUrl: string;
  token: string;
  payerName: string;
  payerEmail: string;
  organisationName: string;
  /** The organisation's service user number; null while it has none (then the email has no SUN line). */
  serviceUserNumber: string | null;
  /** The name on the payer's statement; null while the organisation has none (then its name stands in). */
  bacsDisplayName: string | null;
  reference: string;
  expireTime: Date;
}

/** inviteLink is where the payer completes the invite: `<PUBLIC_BASE_URL>/invite/<token>`. */
export function inviteLink(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/invite/${token}`;
}

/**
 * inviteEmail composes the invite as a plain-text email. It names the collector as the payer's bank
 * will, by the display name and service user number of the Instruction, beside the reference.
 */
export function inviteEmail(input: InviteEmailInput): MailMessage {
  const base = input.publicBaseUrl.replace(/\/+$/, "");
  const statementName = input.bacsDisplayName ?? input.organisationName;
  const text = [
    `Hello ${input.payerName},`,
    "",
    `${input.organisationName} has asked you to set up a Direct Debit. Collections will show on your`,
    `bank statement as ${statementName} with the reference ${input.reference}.`,
    ...(input.serviceUserNumber === null ? [] : ["", `Service user number: ${input.serviceUserNumber}`]),
    "",
    "To give your bank details, open this link:",
    "",
    `  ${inviteLink(base, input.token)}`,
    "",
    `The link works once and expires on ${input.expireTime.toUTCString()}.`,
    "",
    "You can also complete it directly with an HTTP request:",
    "",
    `  POST ${base}/v1/mandateInvites/${input.token}:complete`,
    "  Content-Type: application/json",
    "",
    '  {"account_holder_name": "<name on the account>", "sort_code": "<6 digits>", "account_number": "<8 digits>",',
    '   "account_holder_confirmed": true}',
    "",
    "Sending account_holder_confirmed: true confirms that you hold the account and are the only person",
    "needed to authorise debits from it.",
    "",
    "Your payments are protected by the Direct Debit Guarantee.",
    "If you did not expect this email, you can ignore it.",
  ].join("\n");
  return { to: input.payerEmail, subject: `Set up your Direct Debit to ${input.organisationName}`, text };
}
