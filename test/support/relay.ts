import type { Mailer, MailMessage } from "../../src/platform/mail/mailer.js";

/** Relay stands for the mail relay in front of `outbox`: a test takes it down and brings it back. */
export class Relay implements Mailer {
  down = false;
  constructor(private readonly outbox: Mailer) {}
  send(message: MailMessage): Promise<void> {
    if (this.down) return Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:25"));
    return this.outbox.send(message);
  }
}
