import { describe, expect, it } from "vitest";
import { DurationError, parseDuration } from "./durations.js";

describe("parseDuration", () => {
  it.each([
    ["30s", 30],
    ["15m", 900],
    ["24h", 86_400],
    ["7d", 604_800],
    ["90d", 7_776_000],
    ["0s", 0],
    [" 2h ", 7200],
  ])("reads %j as %i seconds", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(["", "30", "s", "1w", "1.5h", "-1d", "1h30m", "10 m", "1H", "1e3s", "1234567890s"])("refuses %j", (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });

  it("names the accepted forms in its message", () => {
    expect(() => parseDuration("soon")).toThrow(/"soon" is not a duration: .*30s, 15m, 24h or 7d/);
  });
});
