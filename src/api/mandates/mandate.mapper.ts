/**
 * mandate.mapper.ts turns mandate entities into their contract messages. The encrypted account
 * number never passes through here: callers see the holder name, sort code and last 2 digits only.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type BankAccount,
  BankAccountSchema,
  MandateCause,
  type Mandate as MandateMessage,
  MandateSchema,
  MandateState,
} from "../../../gen/dd/v1/mandates_pb.js";
import type { IsoDate } from "../../modules/calendar/plain-date.js";
import { nextPossibleChargeDate } from "../../modules/collections/next-charge-date.js";
import type { Mandate } from "../../modules/mandates/mandate.entity.js";
import { type MandateStateName, mandateStates } from "../../modules/mandates/mandate-lifecycle.js";
import { storedNameOf } from "../stored-name.js";

/** ChargeDating is what next_possible_charge_date is counted from: today (Europe/London) and the notice period. */
export interface ChargeDating {
  today: IsoDate;
  noticeWorkingDays: number;
}

/** mandateToProto shows a mandate as the contract does. */
export function mandateToProto(mandate: Mandate, dating: ChargeDating): MandateMessage {
  return create(MandateSchema, {
    id: mandate.id,
    state: MandateState[mandate.state],
    reference: mandate.reference,
    payer: { name: mandate.payerName, email: mandate.payerEmail },
    bankAccount: bankAccountToProto(mandate),
    metadata: { ...mandate.metadata },
    createTime: timestampFromDate(mandate.createTime),
    updateTime: timestampFromDate(mandate.updateTime),
    lastStateChange: {
      previousState: mandate.lastChangePreviousState
        ? MandateState[mandate.lastChangePreviousState]
        : MandateState.UNSPECIFIED,
      state: MandateState[mandate.state],
      cause: MandateCause[mandate.lastChangeCause],
      reasonCode: mandate.lastChangeReasonCode ?? "",
      description: mandate.lastChangeDescription,
      changeTime: timestampFromDate(mandate.lastChangeTime),
    },
    resubmissionCount: mandate.resubmissionCount,
    nextPossibleChargeDate: nextPossibleChargeDate(mandate.state, dating.today, dating.noticeWorkingDays),
    inviteExpireTime:
      mandate.state === "PENDING_CUSTOMER_APPROVAL" && mandate.inviteExpireTime
        ? timestampFromDate(mandate.inviteExpireTime)
        : undefined,
  });
}

/** bankAccountToProto is the account as recorded, or undefined before the payer gave one. */
export function bankAccountToProto(mandate: Mandate): BankAccount | undefined {
  if (mandate.sortCode === null || mandate.accountNumberEnding === null) return undefined;
  return create(BankAccountSchema, {
    accountHolderName: mandate.accountHolderName ?? "",
    sortCode: mandate.sortCode,
    accountNumberEnding: mandate.accountNumberEnding,
    bankName: "",
  });
}

/** stateFromProto reads a MandateState filter value; undefined for UNSPECIFIED or an unknown number. */
export function stateFromProto(state: MandateState): MandateStateName | undefined {
  return storedNameOf(MandateState, state, mandateStates);
}
