import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { RepeatedLog } from "./repeated-log.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { lines, logger: createLogger("info", sink) };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let repeated: RepeatedLog | undefined;
afterEach(() => repeated?.close());

describe("RepeatedLog", () => {
  it("logs the first occurrence in full, then one line per interval with the count", async () => {
    const { lines, logger } = capture();
    repeated = new RepeatedLog(logger, 200);
    for (let i = 0; i < 500; i++) repeated.log("warn", "write failed", { attempt: i }, "response not completed");
    expect(lines).toMatchObject([{ level: "warn", attempt: 0, msg: "response not completed" }]);
    await wait(300);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      level: "warn",
      repeated: 499,
      kind: "write failed",
      msg: expect.stringMatching(/repeated 499 times/),
    });
  });

  it("counts each key on its own, and starts afresh after a quiet interval", async () => {
    const { lines, logger } = capture();
    repeated = new RepeatedLog(logger, 100);
    repeated.log("warn", "a", {}, "first kind");
    repeated.log("error", "b", {}, "second kind");
    repeated.log("warn", "a", {}, "first kind");
    expect(lines.map((l) => l.msg)).toEqual(["first kind", "second kind"]);
    await wait(350); // one summary for "a", then a quiet interval ends both runs
    repeated.log("warn", "a", { again: true }, "first kind");
    expect(lines.map((l) => l.msg)).toEqual([
      "first kind",
      "second kind",
      "first kind (repeated 1 times in the last 0.1 s)",
      "first kind",
    ]);
    expect(lines[3]).toMatchObject({ again: true });
  });
});
