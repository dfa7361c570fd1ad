/**
 * outbox-mailer.ts is the Mailer used when no SMTP relay is configured: each email becomes one JSON
 * file in an outbox directory the operator can read (and a test can open). Nothing is dropped: a
 * message that cannot be written makes send() reject, so the caller's change is rolled back.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../clock.js";
import type { Mailer, MailMessage } from "./mailer.js";

/** OutboxEmail is the content of one outbox file. */
export interface OutboxEmail extends MailMessage {
  id: string;
  /** When it was written, ISO 8601. */
  createTime: string;
}

/** OutboxMailer writes `<dir>/<time>-<random>.json`, readable by the owner only (links are credentials). */
export class OutboxMailer implements Mailer {
  constructor(
    readonly dir: string,
    private readonly clock: Clock,
  ) {}

  async send(message: MailMessage): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const time = this.clock.now();
    const id = `${time.toISOString().replace(/[:.]/g, "-")}-${randomBytes(6).toString("hex")}`;
    const email: OutboxEmail = {
      id,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html === undefined ? {} : { html: message.html }),
      createTime: time.toISOString(),
    };
    // Written aside, then renamed: whoever reads the outbox never sees half a message.
    const partial = join(this.dir, `.${id}.tmp`);
    await writeFile(partial, `${JSON.stringify(email, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    await rename(partial, join(this.dir, `${id}.json`));
  }
}
