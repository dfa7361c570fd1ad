/**
 * smtp-mailer.ts sends email through an SMTP relay (SMTP_URL), the Mailer used in production.
 * send() resolves only once the relay accepted the message, so a refused or unreachable relay makes
 * the caller's change roll back rather than leave a payer without their invite.
 *
 * Why TLS is required on smtp://: STARTTLS "when offered" lets anyone on the path strip the offer and
 * read the relay credentials and every invite link. A relay without TLS (a local sink, a sidecar) has
 * to be asked for by name: `smtp://host:25?tls=none`.
 */
import { createTransport, type Transporter } from "nodemailer";
import type { Mailer, MailMessage } from "./mailer.js";

/** SmtpMailer relays through `url`: smtp:// with STARTTLS required, smtps://, or smtp://…?tls=none in clear. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    const relay = new URL(url);
    const secure = relay.protocol === "smtps:";
    const clear = relay.searchParams.get("tls") === "none";
    this.transport = createTransport({
      host: relay.hostname,
      port: relay.port === "" ? (secure ? 465 : 587) : Number(relay.port),
      secure,
      // Refuse to go on (before AUTH or MAIL) unless STARTTLS succeeds; or, asked for, never try it.
      ...(secure ? {} : clear ? { ignoreTLS: true } : { requireTLS: true }),
      ...(relay.username
        ? { auth: { user: decodeURIComponent(relay.username), pass: decodeURIComponent(relay.password) } }
        : {}),
      // Bounded waits: a hung relay must fail the request, not hold it.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(message: MailMessage): Promise<void> {
    const { to, subject, text, html } = message;
    await this.transport.sendMail({ from: this.from, to, subject, text, ...(html === undefined ? {} : { html }) });
  }

  close(): void {
    this.transport.close();
  }
}
