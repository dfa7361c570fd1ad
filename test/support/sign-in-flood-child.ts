/**
 * sign-in-flood-child.ts sends sign-ins with unique ~1 MiB emails from its own process, so the test
 * process that serves them measures the server's memory, not the client's:
 * `node --import tsx test/support/sign-in-flood-child.ts <count> <concurrency> <baseUrl>`.
 * Prints one JSON line: how many answers of each HTTP status, and the milliseconds the run took.
 */
import { randomBytes } from "node:crypto";

const [countArg, concurrencyArg, baseUrl] = process.argv.slice(2);
const count = Number(countArg);
const filler = "a".repeat(1024 * 1024 - 64);
const statuses: Record<string, number> = {};
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: Number(concurrencyArg) }, async () => {
    while (next < count) {
      next++;
      // Unique in its first bytes, so no two requests could share a counter.
      const email = `${randomBytes(8).toString("hex")}${filler}@example.com`;
      const res = await fetch(`${baseUrl}/v1/sessions:signIn`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "not-the-password" }),
      });
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  }),
);
process.stdout.write(`${JSON.stringify({ statuses, ms: Math.round(performance.now() - started) })}\n`);
