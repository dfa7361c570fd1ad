import { describe, expect, it } from "vitest";
import { bankDetailsViolations } from "./bank-details.js";

const good = { accountHolderName: "Jane Payer", sortCode: "200415", accountNumber: "31926819" };
const fields = (patch: Partial<typeof good>) => bankDetailsViolations({ ...good, ...patch }).map((v) => v.field);

describe("bankDetailsViolations", () => {
  it("accepts well-formed details", () => {
    expect(fields({})).toEqual([]);
  });

  it.each([
    [{ sortCode: "20 04 15" }, "sort_code"],
    [{ sortCode: "2004150" }, "sort_code"],
    [{ sortCode: "999999" }, "sort_code"],
    [{ sortCode: "123456" }, "sort_code"],
    [{ accountNumber: "3192-6819" }, "account_number"],
    [{ accountNumber: "00000000" }, "account_number"],
    [{ accountNumber: "87654321" }, "account_number"],
    [{ accountNumber: "３１９２６８１９" }, "account_number"],
    [{ accountHolderName: "  " }, "account_holder_name"],
    [{ accountHolderName: "---" }, "account_holder_name"],
    [{ accountHolderName: "Jane\nPayer" }, "account_holder_name"],
  ])("refuses %o naming %s", (patch, field) => {
    expect(fields(patch)).toEqual([field]);
  });

  it("names every bad field at once", () => {
    expect(
      bankDetailsViolations({ accountHolderName: "", sortCode: "", accountNumber: "" }).map((v) => v.field),
    ).toEqual(["account_holder_name", "sort_code", "account_number"]);
  });
});
