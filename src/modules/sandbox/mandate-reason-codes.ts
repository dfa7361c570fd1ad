/**
 * mandate-reason-codes.ts lists the Bacs reason codes a bank reports about a Direct Debit
 * Instruction, with the meaning we show on the mandate (last_state_change.description):
 * AUDDIS codes reject a new instruction; ADDACS codes report a change to a live one. Only the
 * ADDACS codes that end the instruction are listed: E (amended) and R (reinstated) do not cancel.
 * Source: the reason codes of the Bacs service user guides, as GoCardless publishes them for integrators.
 */

/** auddisReasons are AUDDIS rejection codes and their meaning. */
export const auddisReasons: Readonly<Record<string, string>> = {
  "1": "Instruction cancelled by the payer",
  "2": "Payer deceased",
  "3": "Account transferred to another bank or building society",
  "5": "No account, or wrong account type",
  "6": "No instruction held",
  B: "Account closed",
  C: "Account transferred to a new bank or building society",
  F: "Invalid account type",
  G: "The bank will not accept Direct Debits on this account",
  H: "Instruction has expired",
  I: "Payer reference is not unique",
  K: "Instruction cancelled by the paying bank",
  L: "Incorrect payer's account details",
  N: "Transaction disallowed at the payer's branch",
  O: "Invalid reference",
  P: "Payer's name not present",
  Q: "Service user's name blank",
};

/** addacsCancelReasons are ADDACS codes that cancel an instruction, and their meaning. */
export const addacsCancelReasons: Readonly<Record<string, string>> = {
  "0": "Instruction cancelled; refer to the payer",
  "1": "Instruction cancelled by the payer",
  "2": "Payer deceased",
  "3": "Account transferred to another bank or building society",
  B: "Account closed",
  C: "Account transferred to another account",
  D: "Advance notice disputed",
};

/** Default codes of the scenarios (sandbox.proto): AUDDIS "B" for FAIL, ADDACS "1" for CANCEL_BY_PAYER. */
export const defaultAuddisReason = "B";
export const defaultAddacsReason = "1";
