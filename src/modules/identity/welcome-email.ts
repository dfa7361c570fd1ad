/**
 * welcome-email.ts writes the email that tells a new user an admin added them and where to choose
 * their password. The link holds the welcome token: it is the only copy of it anywhere, so this
 * text must never reach a log.
 */
import type { MailMessage } from "../../platform/mail/mailer.js";

/** WelcomeEmailInput is what the email says. */
export interface WelcomeEmailInput {
  publicBaseUrl: string;
  token: string;
  email: string;
  displayName: string;
  organisationName: string;
  role: string;
  expireTime: Date;
}

/** welcomeLink is where the user sets their password: `<PUBLIC_BASE_URL>/console/welcome/<token>`. */
export function welcomeLink(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/console/welcome/${token}`;
}

/** welcomeEmail composes the welcome as a plain-text email. */
export function welcomeEmail(input: WelcomeEmailInput): MailMessage {
  const base = input.publicBaseUrl.replace(/\/+$/, "");
  const text = [
    `Hello ${input.displayName || input.email},`,
    "",
    `You have been added to ${input.organisationName} on the Direct Debit console, as ${input.role}.`,
    "",
    "To choose your password, open this link:",
    "",
    `  ${welcomeLink(base, input.token)}`,
    "",
    `The link works once and expires on ${input.expireTime.toUTCString()}.`,
    `Then sign in at ${base}/console/ with ${input.email} and that password.`,
    "",
    "If you did not expect this email, you can ignore it.",
  ].join("\n");
  return { to: input.email, subject: `You have been added to ${input.organisationName}`, text };
}
