import { describe, expect, it } from "vitest";
import { createInProcessCounter } from "./window-counter.js";

describe("the in-process window counter", () => {
  it("holds at most maxKeys keys however many fresh ones arrive within a window, oldest forgotten first", async () => {
    const counter = createInProcessCounter(() => 0, 1_000);
    for (let i = 0; i < 10_000; i++) await counter.increment(`signin:email:${i}@example.com`, 900);
    expect(counter.size).toBeLessThanOrEqual(1_000);
    expect((await counter.peek("signin:email:9999@example.com")).count).toBe(1);
    expect((await counter.peek("signin:email:0@example.com")).count).toBe(0);
  });

  it("keeps counting a key that stays", async () => {
    const counter = createInProcessCounter(() => 0, 10);
    for (let i = 0; i < 5; i++) await counter.increment("signin:addr:203.0.113.7", 900);
    expect((await counter.peek("signin:addr:203.0.113.7")).count).toBe(5);
  });
});
