/**
 * bank-details.handlers.ts serves BankDetailsService: check a sort code and account number and say
 * whether the modulus check could run. Public: the payer page calls it before the payer submits.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { BankDetailsService } from "../../../gen/dd/v1/bank_details_pb.js";
import type { BankAccountCheck } from "../../modules/bank-accounts/account-check.js";
import { InvalidArgumentError } from "../../modules/errors.js";

/** registerBankDetailsService serves BankDetailsService. */
export function registerBankDetailsService(router: ConnectRouter, accounts: BankAccountCheck): void {
  router.service(BankDetailsService, {
    validateBankDetails(req) {
      const { violations, modulusChecked } = accounts.check(req.sortCode, req.accountNumber);
      if (violations.length > 0) throw new InvalidArgumentError(violations);
      return { sortCode: req.sortCode, modulusChecked };
    },
  });
}
