import type { Clock } from "../../src/platform/clock.js";
import type { Mailer, MailMessage } from "../../src/platform/mail/mailer.js";
import { startTestServer, type TestServer } from "./test-server.js";

/** Relay stands for the mail relay in front of `outbox`: a test takes it down and brings it back. */
export class Relay implements Mailer {
  down = false;
  constructor(private readonly outbox: Mailer) {}
  send(message: MailMessage): Promise<void> {
    if (this.down) return Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:25"));
    return this.outbox.send(message);
  }
}

/** startTestServerWithRelay starts a test server on `clock` whose payer emails go through a Relay. */
export async function startTestServerWithRelay(clock: Clock): Promise<{ server: TestServer; relay: Relay }> {
  let relay: Relay | undefined;
  const server = await startTestServer({
    clock,
    mailer: (outbox) => {
      relay = new Relay(outbox);
      return relay;
    },
  });
  return { server, relay: relay! };
}
