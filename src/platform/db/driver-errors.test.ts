/**
 * The translator against what real PostgreSQL (TEST_DATABASE_URL) throws through MikroORM.
 */
import { describe, expect, it } from "vitest";
import { databaseRefusal } from "../../../test/support/database-refusal.js";
import { isNulCharacterRefusal } from "./driver-errors.js";

describe("isNulCharacterRefusal", () => {
  it.each([
    ["a NUL in a text parameter (the wire protocol refuses it)", "select ?::text", ["a\u0000b"]],
    ["a NUL in a varchar parameter", "select 1 where 'x' = ?::varchar", ["a\u0000b"]],
    ["a NUL escape in jsonb", "select ?::jsonb", [JSON.stringify({ note: "a\u0000b" })]],
    ["a NUL byte decoded into text", "select convert_from('\\x00'::bytea, 'UTF8')", []],
  ])("recognises %s", async (_, sql, params) => {
    expect(isNulCharacterRefusal(await databaseRefusal(sql, params))).toBe(true);
  });

  it.each([
    ["a unique violation", "create temp table once (v int unique); insert into once values (1), (1)"],
    ["a division by zero", "select 1 / 0"],
    ["a syntax error", "selec 1"],
  ])("leaves %s alone", async (_, sql) => {
    expect(isNulCharacterRefusal(await databaseRefusal(sql))).toBe(false);
  });

  it.each([undefined, null, "08P01", new Error("08P01"), { code: 8 }])("leaves %j alone", (value) => {
    expect(isNulCharacterRefusal(value)).toBe(false);
  });
});
