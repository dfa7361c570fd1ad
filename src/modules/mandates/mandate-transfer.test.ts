import type { EntityManager } from "@mikro-orm/postgresql";
import { describe, expect, it } from "vitest";
import { BankAccountCheck } from "../bank-accounts/account-check.js";
import { defaultModulusTablesDir, loadModulusTables } from "../bank-accounts/modulus-tables.js";
import { InvalidArgumentError } from "../errors.js";
import { AccountNumberCipher } from "./account-number-cipher.js";
import type { Mandate } from "./mandate.entity.js";
import { type AccountTransfer, applyTransfer, transferViolations } from "./mandate-transfer.js";

const accounts = new BankAccountCheck(loadModulusTables(defaultModulusTablesDir));
const cipher = new AccountNumberCipher("unit-test-account-number-key-0123456789");
const now = new Date("2027-09-07T09:00:00Z");
const report = { reasonCode: "3", description: "ADDACS 3: Account transferred to another bank or building society" };

/** A mandate as the row holds it, ACTIVE on the payer's account 200415 / 31226819. */
function activeMandate(): Mandate {
  const id = "MD0000000000000000000000001";
  return {
    id,
    organisation: { id: "OR0000000000000000000000001" },
    state: "ACTIVE",
    reference: "FLAT9RENT",
    accountHolderName: "Jane Payer",
    sortCode: "200415",
    accountNumberEnding: "19",
    accountNumberCiphertext: cipher.seal("31226819", id),
    lastChangePreviousState: "SUBMITTED",
    lastChangeCause: "PROCESSING",
    lastChangeReasonCode: null,
    lastChangeDescription: "accepted",
    lastChangeTime: new Date("2027-09-01T09:00:00Z"),
    updateTime: new Date("2027-09-01T09:00:00Z"),
  } as unknown as Mandate;
}

/** A unit of work that keeps what it is asked to create. */
function unitOfWork() {
  const created: Record<string, unknown>[] = [];
  const em = {
    create: (_entity: unknown, data: Record<string, unknown>) => {
      created.push(data);
      return data;
    },
  };
  return { em: em as unknown as EntityManager, created };
}

describe("transferViolations", () => {
  it("checks the new account as a payer's, and the holder name only when given", () => {
    expect(transferViolations({ sortCode: "200000", accountNumber: "55779911" }, accounts)).toEqual([]);
    expect(
      transferViolations({ sortCode: "200000", accountNumber: "55779912", accountHolderName: "" }, accounts).map(
        (v) => v.field,
      ),
    ).toEqual(["account_holder_name", "account_number"]);
  });
});

describe("applyTransfer", () => {
  it("seals the new number, keeps the holder name and the last state change, and adds mandate.transferred", () => {
    const mandate = activeMandate();
    const before = { ...mandate };
    const { em, created } = unitOfWork();
    applyTransfer(em, mandate, { sortCode: "200000", accountNumber: "55779911" }, report, cipher, now);
    expect(mandate).toMatchObject({
      state: "ACTIVE",
      accountHolderName: "Jane Payer",
      sortCode: "200000",
      accountNumberEnding: "11",
      updateTime: now,
      lastChangeCause: before.lastChangeCause,
      lastChangeTime: before.lastChangeTime,
      lastChangeDescription: before.lastChangeDescription,
    });
    expect(cipher.open(mandate.accountNumberCiphertext!, mandate.id)).toBe("55779911");
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ type: "mandate.transferred", reasonCode: "3", mandateId: mandate.id });
    expect(created[0]!.message).toBe(
      `Mandate ${mandate.id} (reference FLAT9RENT) moved from sort code 20-04-15, account ending 19 to sort code 20-00-00, account ending 11 and stays active: ${report.description}`,
    );
  });

  it("refuses the account the mandate already uses, changing nothing", () => {
    const mandate = activeMandate();
    const before = { ...mandate };
    const { em, created } = unitOfWork();
    const same: AccountTransfer = { sortCode: "200415", accountNumber: "31226819" };
    expect(() => applyTransfer(em, mandate, same, report, cipher, now)).toThrow(InvalidArgumentError);
    expect(mandate).toEqual(before);
    expect(created).toEqual([]);
  });

  it("moves to another account ending in the same 2 digits, or to the same number at another sort code", () => {
    for (const transfer of [
      { sortCode: "200415", accountNumber: "31237519" },
      { sortCode: "000001", accountNumber: "31226819" },
    ]) {
      expect(transferViolations(transfer, accounts)).toEqual([]);
      const mandate = activeMandate();
      expect(() => applyTransfer(unitOfWork().em, mandate, transfer, report, cipher, now)).not.toThrow();
      expect(mandate.sortCode).toBe(transfer.sortCode);
    }
  });
});
