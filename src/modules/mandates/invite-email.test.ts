import { describe, expect, it } from "vitest";
import { type InviteEmailInput, inviteEmail } from "./invite-email.js";

const input: InviteEmailInput = {
  publicBaseUrl: "https://pay.example.com/",
  token: "TOKEN",
  payerName: "Jane Payer",
  payerEmail: "jane@example.com",
  organisationName: "Acme Lettings Ltd",
  serviceUserNumber: "123456",
  bacsDisplayName: "ACME LETTINGS",
  reference: "DD-ABC123XYZ0",
  expireTime: new Date("2026-12-21T12:00:00Z"),
};

describe("the invite email", () => {
  it("names the collector as the payer's statement and Instruction will: display name, SUN, reference", () => {
    const mail = inviteEmail(input);
    expect(mail.to).toBe("jane@example.com");
    expect(mail.subject).toBe("Set up your Direct Debit to Acme Lettings Ltd");
    expect(mail.text).toContain(
      [
        "Acme Lettings Ltd has asked you to set up a Direct Debit. Collections will show on your",
        "bank statement as ACME LETTINGS with the reference DD-ABC123XYZ0.",
        "",
        "Service user number: 123456",
        "",
      ].join("\n"),
    );
    expect(mail.text).toContain("https://pay.example.com/invite/TOKEN");
  });

  it("shows the request that completes it directly, declaration included", () => {
    const mail = inviteEmail(input);
    expect(mail.text).toContain("POST https://pay.example.com/v1/mandateInvites/TOKEN:complete");
    expect(mail.text).toContain('"account_holder_confirmed": true}');
  });

  it("falls back to the organisation's name and leaves out the SUN line while the organisation has neither", () => {
    const mail = inviteEmail({ ...input, serviceUserNumber: null, bacsDisplayName: null });
    expect(mail.text).toContain("bank statement as Acme Lettings Ltd with the reference DD-ABC123XYZ0.\n\nTo give");
    expect(mail.text).not.toContain("Service user number");
  });
});
