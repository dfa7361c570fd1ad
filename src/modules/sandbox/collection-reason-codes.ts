/**
 * collection-reason-codes.ts lists the Bacs reason codes reported about a Direct Debit payment,
 * with the meaning we show in the collection's notification: ARUDD codes return a debit unpaid;
 * DDICA codes 1–8 are the grounds of an indemnity claim under the Direct Debit Guarantee.
 * Source: the reason codes of the Bacs service user guides, as GoCardless publishes them for integrators.
 */

/** aruddReasons are ARUDD (unpaid debit) codes and their meaning. */
export const aruddReasons: Readonly<Record<string, string>> = {
  "0": "Refer to payer",
  "1": "Instruction cancelled by the payer",
  "2": "Payer deceased",
  "3": "Account transferred to another bank or building society",
  "4": "Advance notice disputed",
  "5": "No account, or wrong account type",
  "6": "No instruction held",
  "7": "Amount differs from the advance notice",
  "8": "Amount not yet due",
  "9": "Presentation overdue",
  A: "Service user differs",
  B: "Account closed",
};

/** ddicaReasons are DDICA indemnity claim codes and their meaning. */
export const ddicaReasons: Readonly<Record<string, string>> = {
  "1": "Amount or date of the debit differs from the advance notice",
  "2": "No advance notice received",
  "3": "Instruction cancelled by the paying bank",
  "4": "Payer cancelled the instruction with the service user",
  "5": "No instruction held; the payer disputes giving authority",
  "6": "Signature on the instruction is not the payer's",
  "7": "Claim raised at the service user's request",
  "8": "Service user not known or name disputed",
};

/** Default codes of the scenarios (sandbox.proto): ARUDD "0" for FAIL and LATE_FAIL, DDICA "1" for CHARGE_BACK. */
export const defaultAruddReason = "0";
export const defaultDdicaReason = "1";
