import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../clock.js";
import { type OutboxEmail, OutboxMailer } from "./outbox-mailer.js";

describe("OutboxMailer", () => {
  let dir = "";
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("writes each email as one JSON file, readable by the owner only", async () => {
    dir = join(await mkdtemp(join(tmpdir(), "outbox-test-")), "outbox");
    const mailer = new OutboxMailer(dir, systemClock);
    await mailer.send({ to: "a@example.com", subject: "one", text: "first" });
    await mailer.send({ to: "b@example.com", subject: "two", text: "second" });
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith(".json"))).toBe(true);
    const emails = await Promise.all(
      files.map(async (f) => JSON.parse(await readFile(join(dir, f), "utf8")) as OutboxEmail),
    );
    expect(emails.map((e) => e.to).sort()).toEqual(["a@example.com", "b@example.com"]);
    expect((await stat(join(dir, files[0]!))).mode & 0o777).toBe(0o600);
  });

  it("rejects when the outbox cannot be written, rather than dropping the email", async () => {
    dir = await mkdtemp(join(tmpdir(), "outbox-test-"));
    const blocked = join(dir, "file");
    await writeFile(blocked, "not a directory");
    await expect(
      new OutboxMailer(join(blocked, "outbox"), systemClock).send({ to: "a@example.com", subject: "s", text: "t" }),
    ).rejects.toThrow();
  });
});
