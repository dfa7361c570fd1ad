/**
 * notice-emails.ts writes the emails the Direct Debit scheme expects a payer to receive: the
 * confirmation of their Instruction, the advance notice of collections (and of a payment collected
 * again after their bank returned it, or moved later while the Instruction was being set up), and
 * the notice that their Instruction was cancelled. Each is plain text with the same content as simple HTML. Every one
 * names the organisation as the payer's statement will (its Bacs display name), its service user
 * number and the mandate's reference, so the payer can match it to their bank's records. No
 * account number is ever written in full.
 */
import type { MailMessage } from "../../platform/mail/mailer.js";
import { guaranteeParagraphs } from "./direct-debit-guarantee.js";

/** Payee is the organisation as the payer knows it. */
export interface Payee {
  name: string;
  /** The name on the payer's statement; the organisation's name when it has none. */
  statementName: string;
  serviceUserNumber: string | null;
}

/** PayerLetter is who an email goes to and under which Instruction. */
export interface PayerLetter {
  payerName: string;
  payerEmail: string;
  reference: string;
  payee: Payee;
}

/** InstructionDetails are the bank details an Instruction holds, as the payer may see them. */
export interface InstructionDetails {
  accountHolderName: string;
  sortCode: string;
  accountNumberEnding: string;
  noticeWorkingDays: number;
}

/** CollectionPlan is what an advance notice announces. */
export interface CollectionPlan {
  amount: string;
  /** For example "monthly on the last day of the month" or "weekly". */
  frequency: string;
  firstChargeDate: string;
  endDate: string | null;
}

/** RetryPlan is what the advance notice of a re-presented payment announces. */
export interface RetryPlan {
  amount: string;
  /** The new date the payment will be collected on. */
  chargeDate: string;
  /** The date the payment was first due, which the payer's bank returned unpaid. */
  originalChargeDate: string;
  /** Which attempt the new one is: 2 for the second, 3 for the third. */
  attempt: number;
}

/** instructionConfirmation confirms a paperless Instruction's details to the payer. */
export function instructionConfirmation(letter: PayerLetter, details: InstructionDetails): MailMessage {
  const { payee } = letter;
  return compose(letter, `Your Direct Debit Instruction to ${payee.statementName}`, [
    `Your Direct Debit Instruction to ${payee.name} is set up. Please check the details below, and contact ${payee.name} at once if any are wrong.`,
    [
      ["Collected by", payee.name],
      ["Shown on your statement as", payee.statementName],
      ...serviceUserNumberRow(payee),
      ["Reference", letter.reference],
      ["Account holder", details.accountHolderName],
      ["Sort code", formatSortCode(details.sortCode)],
      ["Account number", `ending ${details.accountNumberEnding}`],
    ],
    `${payee.name} will tell you the amount and date of each payment at least ${details.noticeWorkingDays} working days before taking it.`,
  ]);
}

/** advanceNotice tells the payer the amount and dates of coming collections before the first. */
export function advanceNotice(letter: PayerLetter, plan: CollectionPlan): MailMessage {
  const { payee } = letter;
  return compose(letter, `Advance notice: ${plan.amount} Direct Debit to ${payee.statementName}`, [
    `${payee.name} will collect ${plan.amount} ${plan.frequency} by Direct Debit, the first payment on ${longDate(plan.firstChargeDate)}.`,
    [
      ["Amount", plan.amount],
      ["How often", plan.frequency],
      ["First payment", longDate(plan.firstChargeDate)],
      ...(plan.endDate ? [["Last payment no later than", longDate(plan.endDate)] as [string, string]] : []),
      ["Shown on your statement as", payee.statementName],
      ...serviceUserNumberRow(payee),
      ["Reference", letter.reference],
    ],
    "A payment due on a weekend or bank holiday is taken on the next working day.",
  ]);
}

/** OneOffPayment is what a one-off collection's advance notice announces. */
export interface OneOffPayment {
  amount: string;
  chargeDate: string;
  /** What it is for; "" when the organisation gave no description. */
  description: string;
}

/** oneOffAdvanceNotice tells the payer the amount and date of a single collection before it. */
export function oneOffAdvanceNotice(letter: PayerLetter, payment: OneOffPayment): MailMessage {
  const { payee } = letter;
  const forWhat = payment.description === "" ? "" : ` for ${payment.description}`;
  return compose(letter, `Advance notice: ${payment.amount} Direct Debit to ${payee.statementName}`, [
    `${payee.name} will collect a single payment of ${payment.amount}${forWhat} by Direct Debit on ${longDate(payment.chargeDate)}.`,
    [
      ["Amount", payment.amount],
      ["Payment date", longDate(payment.chargeDate)],
      ...(payment.description === "" ? [] : [["For", payment.description] as [string, string]]),
      ["Shown on your statement as", payee.statementName],
      ...serviceUserNumberRow(payee),
      ["Reference", letter.reference],
    ],
  ]);
}

/**
 * retryNotice tells the payer that a payment their bank returned unpaid will be collected again, on
 * which date and for how much: the scheme wants the same advance notice of a re-presentation as of
 * any other payment.
 */
export function retryNotice(letter: PayerLetter, plan: RetryPlan): MailMessage {
  const { payee } = letter;
  const attempt = ordinals[plan.attempt] ?? `attempt ${plan.attempt}`;
  return compose(letter, `Advance notice: ${plan.amount} Direct Debit to ${payee.statementName} collected again`, [
    `Your bank returned unpaid the ${plan.amount} Direct Debit payment to ${payee.name} that was due on ${longDate(plan.originalChargeDate)}. ${payee.name} will collect it again, a ${attempt} attempt at the same payment, on ${longDate(plan.chargeDate)}.`,
    [
      ["Amount", plan.amount],
      ["New payment date", longDate(plan.chargeDate)],
      ["First due on", longDate(plan.originalChargeDate)],
      ["Attempt", attempt],
      ["Shown on your statement as", payee.statementName],
      ...serviceUserNumberRow(payee),
      ["Reference", letter.reference],
    ],
    `Please make sure the funds are in your account by then. If you have a question about this payment, contact ${payee.name}.`,
  ]);
}

const ordinals: Readonly<Record<number, string>> = { 2: "second", 3: "third" };

/** MovedPayment is what the notice of a payment moved to a later date (or not taken) announces. */
export interface MovedPayment {
  amount: string;
  /** The date it had: the one the payer was told before (or, NOTICE_NOT_SENT, should have been). */
  previousDate: string;
  /** The date it will be collected on now; null when it will not be collected at all. */
  chargeDate: string | null;
  /**
   * Why it moved: the Instruction was not set up in time (NOT_COMPLETED while the payer has not
   * completed it, NOT_SET_UP while their bank has not confirmed it), their notice of it could not
   * be sent in time (NOTICE_NOT_SENT), or it was not collected on its date (NOT_COLLECTED: the
   * organisation had suspended collections, or they were held up).
   */
  why: "NOT_COMPLETED" | "NOT_SET_UP" | "NOTICE_NOT_SENT" | "NOT_COLLECTED";
  /** The payment is one of a schedule's, whose other payments keep their dates. */
  scheduled: boolean;
}

/**
 * movedPaymentNotice tells the payer that a payment will be collected later than they were told, or
 * not at all: their Instruction was not set up with their bank in time for its date, the notice
 * of it could not be sent to them in time, or it was not collected on its date. A date other than the one announced needs its own
 * advance notice (a debit on an unannounced date is a valid Guarantee claim, DDICA reason 1).
 */
export function movedPaymentNotice(letter: PayerLetter, payment: MovedPayment): MailMessage {
  const { payee } = letter;
  const was = `the ${payment.amount} payment due on ${longDate(payment.previousDate)}`;
  const why = {
    NOT_SET_UP: `Your Direct Debit Instruction to ${payee.name} was not yet set up with your bank in time to collect ${was}.`,
    NOT_COMPLETED: `You have not completed your Direct Debit Instruction to ${payee.name} yet, so ${was} cannot be collected then.`,
    NOTICE_NOT_SENT: `${payee.name} could not send you advance notice of a ${payment.amount} payment planned for ${longDate(payment.previousDate)} in time.`,
    NOT_COLLECTED: `${payee.name} did not collect ${was}.`,
  }[payment.why];
  // Other dates the payer may not have been told of either: nothing is said of them.
  const others = payment.scheduled && payment.why !== "NOTICE_NOT_SENT" ? " Your other payments keep their dates." : "";
  const rows: [string, string][] = [
    ["Amount", payment.amount],
    ...(payment.chargeDate === null ? [] : [["New payment date", longDate(payment.chargeDate)] as [string, string]]),
    [payment.why === "NOTICE_NOT_SENT" ? "Planned for" : "Was due on", longDate(payment.previousDate)],
    ["Shown on your statement as", payee.statementName],
    ...serviceUserNumberRow(payee),
    ["Reference", letter.reference],
  ];
  if (payment.chargeDate === null) {
    return compose(letter, `${payment.amount} Direct Debit to ${payee.statementName} will not be collected`, [
      `${why} ${payment.scheduled ? "It will not be collected: the next payment takes its place." : "It will not be collected."}${others}`,
      rows,
      `If you have a question about this payment, contact ${payee.name}.`,
    ]);
  }
  const when =
    payment.why === "NOT_COMPLETED"
      ? `Once you complete it, the payment will be collected on ${longDate(payment.chargeDate)} instead.`
      : `It will be collected on ${longDate(payment.chargeDate)} instead.`;
  return compose(
    letter,
    `Advance notice: ${payment.amount} Direct Debit to ${payee.statementName} moved to a later date`,
    [
      `${why} ${when}${others}`,
      rows,
      `Please make sure the funds are in your account by then. If you have a question about this payment, contact ${payee.name}.`,
    ],
  );
}

/** ScheduleChangePlan is what a notice of changed collection terms announces. */
export interface ScheduleChangePlan {
  /** The amount from firstChargeDate on. */
  amount: string;
  /** The amount before the change; null when the amount did not change. */
  previousAmount: string | null;
  frequency: string;
  /** The first payment at the new terms; null when none is left to take, or it is not known yet (paused). */
  firstChargeDate: string | null;
  /** The end date now in force (null: none). */
  endDate: string | null;
  endDateChanged: boolean;
  /** No payment is left to take under the schedule. */
  finished: boolean;
}

/**
 * scheduleChangeNotice tells the payer that the amount or end date of their collections changed,
 * and from which payment: payments before it keep the amount they were announced with.
 */
export function scheduleChangeNotice(letter: PayerLetter, plan: ScheduleChangePlan): MailMessage {
  const { payee } = letter;
  const lines: string[] = [];
  if (plan.previousAmount !== null) {
    lines.push(
      plan.firstChargeDate !== null
        ? `${payee.name} will collect ${plan.amount} ${plan.frequency} by Direct Debit instead of ${plan.previousAmount}, from the payment on ${longDate(plan.firstChargeDate)}. Payments before that date are taken at ${plan.previousAmount}, as you were told.`
        : `The amount of your Direct Debit payments to ${payee.name} is now ${plan.amount} instead of ${plan.previousAmount}. We will tell you the date of the next payment before it is taken.`,
    );
  }
  if (plan.finished) lines.push(`No further payments will be taken by ${payee.name} under this plan.`);
  else if (plan.endDateChanged)
    lines.push(
      plan.endDate !== null
        ? `The last payment will be taken no later than ${longDate(plan.endDate)}.`
        : `Payments will continue with no end date, until you or ${payee.name} cancel them.`,
    );
  return compose(letter, `Change to your Direct Debit to ${payee.statementName}`, [
    ...lines,
    [
      ["Amount", plan.amount],
      ["How often", plan.frequency],
      ...(plan.firstChargeDate !== null && !plan.finished
        ? [
            [
              plan.previousAmount !== null ? "First payment at the new amount" : "Next payment",
              longDate(plan.firstChargeDate),
            ] as [string, string],
          ]
        : []),
      ...(plan.endDate ? [["Last payment no later than", longDate(plan.endDate)] as [string, string]] : []),
      ["Shown on your statement as", payee.statementName],
      ...serviceUserNumberRow(payee),
      ["Reference", letter.reference],
    ],
    "A payment due on a weekend or bank holiday is taken on the next working day.",
  ]);
}

/** cancellationNotice tells the payer their Instruction was cancelled and nothing more will be taken. */
export function cancellationNotice(letter: PayerLetter, why: string): MailMessage {
  const { payee } = letter;
  return compose(letter, `Your Direct Debit to ${payee.statementName} is cancelled`, [
    `Your Direct Debit Instruction to ${payee.name} (reference ${letter.reference}) is cancelled: ${why}. No further payments will be taken under it.`,
    [["Collected by", payee.name], ...serviceUserNumberRow(payee), ["Reference", letter.reference]],
  ]);
}

type Block = string | [string, string][];

function serviceUserNumberRow(payee: Payee): [string, string][] {
  return payee.serviceUserNumber === null ? [] : [["Service user number", payee.serviceUserNumber]];
}

function compose(letter: PayerLetter, subject: string, blocks: Block[]): MailMessage {
  const guarantee = guaranteeParagraphs(letter.payee.name);
  const text = [
    `Hello ${letter.payerName},`,
    ...blocks.map((block) =>
      typeof block === "string" ? block : block.map(([label, value]) => `  ${label}: ${value}`).join("\n"),
    ),
    ["The Direct Debit Guarantee", ...guarantee.map((line) => `- ${line}`)].join("\n"),
  ].join("\n\n");
  const html = [
    "<!doctype html>",
    `<html lang="en"><body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a">`,
    `<p>Hello ${escapeHtml(letter.payerName)},</p>`,
    ...blocks.map((block) =>
      typeof block === "string"
        ? `<p>${escapeHtml(block)}</p>`
        : `<table>${block.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join("")}</table>`,
    ),
    "<h2>The Direct Debit Guarantee</h2>",
    `<ul>${guarantee.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul>`,
    "</body></html>",
  ].join("\n");
  return { to: letter.payerEmail, subject, text, html };
}

const htmlEscapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => htmlEscapes[c]!);
}

function formatSortCode(sortCode: string): string {
  return sortCode.replace(/(\d\d)(?=\d)/g, "$1-");
}

const weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const months = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** longDate writes 2027-01-04 as "Monday 4 January 2027" (by hand: ICU versions punctuate it differently). */
export function longDate(isoDate: string): string {
  const [year, month, day] = isoDate.split("-").map(Number) as [number, number, number];
  const weekday = weekdays[new Date(Date.UTC(year, month - 1, day)).getUTCDay()];
  return `${weekday} ${day} ${months[month - 1]} ${year}`;
}
