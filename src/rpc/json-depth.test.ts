import { describe, expect, it } from "vitest";
import { JsonDepthScanner } from "./json-depth.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const fits = (text: string, max: number) => new JsonDepthScanner(max).push(bytes(text));

describe("JsonDepthScanner", () => {
  it("counts arrays and objects, and stops past the bound", () => {
    expect(fits(`${"[".repeat(3)}${"]".repeat(3)}`, 3)).toBe(true);
    expect(fits(`${"[".repeat(4)}${"]".repeat(4)}`, 3)).toBe(false);
    expect(fits('{"a":{"b":[{"c":1}]}}', 4)).toBe(true);
    expect(fits('{"a":{"b":[{"c":1}]}}', 3)).toBe(false);
    expect(fits('[1,[2],[3],{"x":[4]}]', 3)).toBe(true); // siblings do not add up
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(fits(`{"a":"${"[".repeat(100)}"}`, 1)).toBe(true);
    expect(fits(`{"a":"\\"[[[[","b":"\\\\"}`, 1)).toBe(true);
    expect(fits(`{"a":"\\\\",  "b":[[1]]}`, 2)).toBe(false); // the string ended at the escaped backslash
  });

  it("keeps its state across chunks split anywhere", () => {
    const text = `{"s":"x\\"[[[", "d":[[[[1]]]]}`;
    for (let cut = 0; cut <= text.length; cut++) {
      const scanner = new JsonDepthScanner(4);
      const ok = scanner.push(bytes(text.slice(0, cut))) && scanner.push(bytes(text.slice(cut)));
      expect(ok, `cut at ${cut}`).toBe(false);
      const wide = new JsonDepthScanner(5);
      expect(wide.push(bytes(text.slice(0, cut))) && wide.push(bytes(text.slice(cut))), `cut at ${cut}`).toBe(true);
    }
  });
});
