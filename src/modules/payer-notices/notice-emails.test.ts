import { describe, expect, it } from "vitest";
import {
  advanceNotice,
  cancellationNotice,
  instructionConfirmation,
  oneOffAdvanceNotice,
  type PayerLetter,
  retryNotice,
  scheduleChangeNotice,
} from "./notice-emails.js";

const letter: PayerLetter = {
  payerName: "Priya <Tenant>",
  payerEmail: "priya@example.com",
  reference: "FLAT4RENT",
  payee: { name: "Acme Lettings Ltd", statementName: "ACME LETTINGS", serviceUserNumber: "123456" },
};

/** expectLines checks that the email's text holds every one of `lines`, each named in a failure. */
function expectLines(text: string, lines: readonly string[]): void {
  for (const line of lines) expect(text).toContain(line);
}

describe("payer notice emails", () => {
  it("confirm the Instruction with what the payer's bank holds, the SUN and the Guarantee, never the full number", () => {
    const mail = instructionConfirmation(letter, {
      accountHolderName: "Priya Tenant",
      sortCode: "200415",
      accountNumberEnding: "19",
      noticeWorkingDays: 10,
    });
    expect(mail.to).toBe("priya@example.com");
    expect(mail.subject).toBe("Your Direct Debit Instruction to ACME LETTINGS");
    expectLines(mail.text, [
      "  Shown on your statement as: ACME LETTINGS",
      "  Service user number: 123456",
      "  Reference: FLAT4RENT",
      "  Sort code: 20-04-15",
      "  Account number: ending 19",
      "at least 10 working days before taking it",
      "The Direct Debit Guarantee",
    ]);
    expect(mail.html).toContain("Hello Priya &lt;Tenant&gt;,");
  });

  it("give advance notice of the amount, frequency, first date and end", () => {
    const mail = advanceNotice(letter, {
      amount: "£950.00",
      frequency: "monthly on day 1 of the month",
      firstChargeDate: "2027-01-04",
      endDate: "2027-12-31",
    });
    expect(mail.subject).toBe("Advance notice: £950.00 Direct Debit to ACME LETTINGS");
    expect(mail.text).toContain(
      "Acme Lettings Ltd will collect £950.00 monthly on day 1 of the month by Direct Debit, the first payment on Monday 4 January 2027.",
    );
    expect(mail.text).toContain("  Last payment no later than: Friday 31 December 2027");
  });

  it("give advance notice of a one-off's amount, date and purpose, escaped in HTML", () => {
    const mail = oneOffAdvanceNotice(letter, {
      amount: "£42.50",
      chargeDate: "2027-01-04",
      description: "Boiler <repair>",
    });
    expect(mail.subject).toBe("Advance notice: £42.50 Direct Debit to ACME LETTINGS");
    expectLines(mail.text, [
      "Acme Lettings Ltd will collect a single payment of £42.50 for Boiler <repair> by Direct Debit on Monday 4 January 2027.",
      "  Payment date: Monday 4 January 2027",
      "  For: Boiler <repair>",
      "  Shown on your statement as: ACME LETTINGS",
      "  Service user number: 123456",
      "  Reference: FLAT4RENT",
      "The Direct Debit Guarantee",
    ]);
    expect(mail.html).toContain("Boiler &lt;repair&gt;");
    const plain = oneOffAdvanceNotice(letter, { amount: "£1.00", chargeDate: "2027-01-04", description: "" });
    expect(plain.text).toContain("a single payment of £1.00 by Direct Debit on Monday 4 January 2027.");
    expect(plain.text).not.toContain("For:");
  });

  it("give advance notice of a payment collected again: amount, new date, the date first due, the attempt", () => {
    const mail = retryNotice(letter, {
      amount: "£950.00",
      chargeDate: "2027-01-18",
      originalChargeDate: "2027-01-04",
      attempt: 2,
    });
    expect(mail.subject).toBe("Advance notice: £950.00 Direct Debit to ACME LETTINGS collected again");
    expect(mail.text).toContain(
      "Your bank returned unpaid the £950.00 Direct Debit payment to Acme Lettings Ltd that was due on Monday 4 January 2027. Acme Lettings Ltd will collect it again, a second attempt at the same payment, on Monday 18 January 2027.",
    );
    expectLines(mail.text, ["  Service user number: 123456", "  Reference: FLAT4RENT", "  Attempt: second"]);
    expect(mail.html).toContain('<th align="left">New payment date</th><td>Monday 18 January 2027</td>');
  });

  it("announce a changed amount from the first payment it applies to, and a changed end date", () => {
    const plan = {
      amount: "£990.00",
      previousAmount: "£950.00",
      frequency: "monthly on day 1 of the month",
      firstChargeDate: "2027-02-01",
      endDate: "2027-12-31",
      endDateChanged: true,
      finished: false,
    };
    const mail = scheduleChangeNotice(letter, plan);
    expect(mail.subject).toBe("Change to your Direct Debit to ACME LETTINGS");
    expectLines(mail.text, [
      "Acme Lettings Ltd will collect £990.00 monthly on day 1 of the month by Direct Debit instead of £950.00, from the payment on Monday 1 February 2027. Payments before that date are taken at £950.00, as you were told.",
      "The last payment will be taken no later than Friday 31 December 2027.",
      "  First payment at the new amount: Monday 1 February 2027",
      "The Direct Debit Guarantee",
    ]);
    const ended = scheduleChangeNotice(letter, {
      ...plan,
      previousAmount: null,
      firstChargeDate: null,
      finished: true,
    });
    expect(ended.text).toContain("No further payments will be taken by Acme Lettings Ltd under this plan.");
    expect(ended.text).not.toContain("First payment");
  });

  it("leave out the SUN line while the organisation has none, and say why a cancellation happened", () => {
    const mail = cancellationNotice(
      { ...letter, payee: { ...letter.payee, serviceUserNumber: null } },
      "your bank told us it was cancelled",
    );
    expect(mail.text).toContain("is cancelled: your bank told us it was cancelled.");
    expect(mail.text).not.toContain("Service user number");
  });
});
