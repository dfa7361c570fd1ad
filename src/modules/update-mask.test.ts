import { describe, expect, it } from "vitest";
import type { FieldViolation } from "./errors.js";
import { resolveUpdateMask } from "./update-mask.js";

const allowed = ["name", "email", "metadata"] as const;
type Path = (typeof allowed)[number];

function resolve(mask: readonly string[] | undefined, set: readonly Path[] = []) {
  const violations: FieldViolation[] = [];
  const paths = resolveUpdateMask(mask, allowed, (path) => set.includes(path), violations);
  return { paths: [...paths], violations };
}

describe("resolveUpdateMask", () => {
  it("takes the fields the request sets when the mask is absent or empty", () => {
    expect(resolve(undefined, ["metadata", "name"])).toEqual({ paths: ["name", "metadata"], violations: [] });
    expect(resolve([], ["email"])).toEqual({ paths: ["email"], violations: [] });
    expect(resolve(undefined)).toEqual({ paths: [], violations: [] });
  });

  it("takes exactly the named paths, whatever the request sets", () => {
    expect(resolve(["email"], ["name"])).toEqual({ paths: ["email"], violations: [] });
    expect(resolve(["metadata", "name", "metadata"])).toEqual({ paths: ["metadata", "name"], violations: [] });
  });

  it('takes every path for "*"', () => {
    expect(resolve(["*"])).toEqual({ paths: ["name", "email", "metadata"], violations: [] });
  });

  it("names each unknown path, and the allowed ones, under update_mask", () => {
    const { paths, violations } = resolve(["name", "id", `x${"y".repeat(200)}`]);
    expect(paths).toEqual(["name"]);
    expect(violations).toEqual([
      { field: "update_mask", description: 'path "id" cannot be updated; allowed: name, email, metadata' },
      {
        field: "update_mask",
        description: `path "x${"y".repeat(99)}" cannot be updated; allowed: name, email, metadata`,
      },
    ]);
  });
});
