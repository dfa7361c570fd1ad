/**
 * SmtpMailer against a real SMTP server listening on 127.0.0.1 (smtp-server, started by the test),
 * which offers no STARTTLS: the mailer must refuse it unless the URL says `tls=none`.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SmtpMailer } from "./smtp-mailer.js";

const received: { from: string; to: string[]; data: string }[] = [];
let server: SMTPServer;
let port = 0;
let refuse = false;
/** Usernames the server was sent AUTH for: credentials that crossed the wire. */
const authenticated: string[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    // Without TLS smtp-server refuses AUTH unless told otherwise; this one stands in for an attacker
    // who stripped STARTTLS and would gladly read the password.
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      authenticated.push(auth.username ?? "");
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      let data = "";
      stream.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
      stream.on("end", () => {
        if (refuse) return callback(Object.assign(new Error("mailbox unavailable"), { responseCode: 550 }));
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

describe("SmtpMailer", () => {
  it("refuses a relay that offers no STARTTLS: no credentials and no message cross in clear", async () => {
    const mailer = new SmtpMailer(`smtp://relay-user:relay-pass@127.0.0.1:${port}`, "no-reply@dd.example");
    await expect(mailer.send({ to: "payer@example.com", subject: "x", text: "y" })).rejects.toThrow(/STARTTLS|TLS/);
    mailer.close();
    expect(authenticated).toEqual([]);
    expect(received).toEqual([]);
  });

  it("hands the message to the relay: envelope, subject and body", async () => {
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}?tls=none`, "Direct Debit <no-reply@dd.example>");
    await mailer.send({
      to: "payer@example.com",
      subject: "Set up your Direct Debit",
      text: "Open https://pay.example/invite/abc",
    });
    mailer.close();
    expect(received).toHaveLength(1);
    expect(received[0]!.from).toBe("no-reply@dd.example");
    expect(received[0]!.to).toEqual(["payer@example.com"]);
    expect(received[0]!.data).toMatch(/^Subject: Set up your Direct Debit$/m);
    expect(received[0]!.data).toContain("https://pay.example/invite/abc");
  });

  it("rejects when the relay refuses, so the caller's change rolls back", async () => {
    refuse = true;
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}?tls=none`, "no-reply@dd.example");
    await expect(mailer.send({ to: "payer@example.com", subject: "x", text: "y" })).rejects.toThrow(
      /550|mailbox unavailable/,
    );
    mailer.close();
    refuse = false;
  });

  it("rejects when no relay answers", async () => {
    const mailer = new SmtpMailer("smtp://127.0.0.1:1", "no-reply@dd.example");
    await expect(mailer.send({ to: "payer@example.com", subject: "x", text: "y" })).rejects.toThrow();
    mailer.close();
  });
});
