/**
 * mailer.ts is the mail transport interface. The service sends through it and never knows whether
 * the message went to an SMTP relay or to the local outbox; an SMTP transport can be added beside
 * OutboxMailer without touching the senders.
 */

/** MailMessage is one email: plain text, and optionally the same content as HTML. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string | undefined;
}

/** Mailer sends emails. send resolves once the message is handed over durably, and rejects otherwise. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
