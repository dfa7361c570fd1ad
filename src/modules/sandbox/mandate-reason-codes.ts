/**
 * mandate-reason-codes.ts lists the Bacs reason codes a bank reports about a Direct Debit
 * Instruction, with the meaning we show on the mandate (last_state_change.description):
 * AUDDIS codes reject a new instruction; ADDACS codes report a change to a live one. Listed are the
 * ADDACS codes that end the instruction, and those that move it to a new account (transfers); E
 * (amended) and R (reinstated) neither cancel nor move it and are not simulated.
 * Source: the reason codes of the Bacs service user guides, as GoCardless publishes them for integrators.
 *
 * Why "3" and "C" are in both ADDACS lists. Both say the payer's account moved: "3" to another bank
 * or building society (a switch through the Current Account Switch Service), "C" to another account
 * or branch of the same bank. A report that gives the new sort code and account number keeps the
 * instruction alive: the payer's authority travels with the account, so the mandate stays ACTIVE (or
 * SUSPENDED) with the new details and its schedules carry on (MandateTransitions.transfer,
 * MANDATE_SCENARIO_TRANSFER). That is not a cancellation, and nothing is asked of the payer. A report
 * without usable new details leaves no account to collect from, so it can only end the instruction
 * as before (MANDATE_SCENARIO_CANCEL_BY_PAYER still takes "3" and "C" for that case, and sandbox
 * callers who used them keep working).
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

/** addacsTransferReasons are ADDACS codes that move an instruction to new bank details (see the file comment). */
export const addacsTransferReasons: Readonly<Record<string, string>> = {
  "3": "Account transferred to another bank or building society",
  C: "Account transferred to another account",
};

/**
 * Default codes of the scenarios (sandbox.proto): AUDDIS "B" for FAIL, ADDACS "1" for
 * CANCEL_BY_PAYER and ADDACS "3" (a bank switch) for TRANSFER.
 */
export const defaultAuddisReason = "B";
export const defaultAddacsReason = "1";
export const defaultAddacsTransferReason = "3";
