import { describe, expect, it } from "vitest";
import {
  bacsDisplayNameFrom,
  bacsDisplayNameProblem,
  bacsIdentityViolations,
  normaliseBacsDisplayName,
  serviceUserNumberProblem,
} from "./bacs-identity.js";

describe("an organisation's Bacs identity", () => {
  it("takes a service user number of exactly 6 digits", () => {
    expect(serviceUserNumberProblem("123456")).toBeUndefined();
    expect(serviceUserNumberProblem("012345")).toBeUndefined();
    for (const bad of ["12345", "1234567", "12345A", "123 456", "", "１２３４５６"]) {
      expect(serviceUserNumberProblem(bad)).toBe("must be exactly 6 digits");
    }
  });

  it("takes display names of 1 to 18 characters of the Bacs set, any case, and stores them upper-cased", () => {
    for (const good of ["A", "Acme Lettings", "smith & co. 1/2-b", "EIGHTEEN CHARS 123", "  Acme  "]) {
      expect(bacsDisplayNameProblem(good)).toBeUndefined();
    }
    expect(normaliseBacsDisplayName("  smith & co. 1/2-b ")).toBe("SMITH & CO. 1/2-B");
    for (const bad of ["", "   ", "Nineteen chars 1234", "Café", "Straße", "Acme (North)", "Acme_Lettings", "A\tB"]) {
      expect(bacsDisplayNameProblem(bad)).toMatch(/^must be 1 to 18 characters: A-Z, 0-9, space and & - \. \/$/);
    }
    expect(bacsDisplayNameProblem("& - ./")).toBe("must hold a letter or a digit");
  });

  it("makes a sandbox organisation's display name from its name", () => {
    expect(bacsDisplayNameFrom("Acme Lettings")).toBe("ACME LETTINGS");
    expect(bacsDisplayNameFrom("Café Lettings (North) Ltd")).toBe("CAFE LETTINGS NORT");
    expect(bacsDisplayNameFrom("Lettings  —  North")).toBe("LETTINGS NORTH");
    expect(bacsDisplayNameFrom("An eighteen-char X yz")).toBe("AN EIGHTEEN-CHAR X");
    expect(bacsDisplayNameFrom("Seventeen chars12 tail")).toBe("SEVENTEEN CHARS12");
    expect(bacsDisplayNameFrom("日本の会社")).toBe("SANDBOX");
    expect(bacsDisplayNameFrom("---")).toBe("SANDBOX");
    for (const name of ["Acme Lettings", "Café Lettings (North) Ltd", "日本の会社", "x".repeat(200)]) {
      expect(bacsDisplayNameProblem(bacsDisplayNameFrom(name))).toBeUndefined();
    }
  });

  it("requires both of a live organisation, neither of a sandbox one, and names each bad field", () => {
    expect(bacsIdentityViolations({ sandbox: false })).toEqual([
      { field: "service_user_number", description: "is required for a live organisation" },
      { field: "bacs_display_name", description: "is required for a live organisation" },
    ]);
    expect(bacsIdentityViolations({ sandbox: true })).toEqual([]);
    expect(
      bacsIdentityViolations({ sandbox: false, serviceUserNumber: "123456", bacsDisplayName: "Acme Lettings" }),
    ).toEqual([]);
    expect(
      bacsIdentityViolations({ sandbox: true, serviceUserNumber: "12345", bacsDisplayName: "x".repeat(19) }).map(
        (v) => v.field,
      ),
    ).toEqual(["service_user_number", "bacs_display_name"]);
  });
});
