/**
 * load-child.ts is a load generator in its own process, so a flood does not slow the test process
 * that measures: `node --import tsx test/support/load-child.ts <seconds> <clients> <secret> <baseUrl>…`.
 * It runs the loops (GET /v1/mandates/MD1 with the key, replicas in turn; 404 means admitted), prints
 * `{"flooding":true}` once the first answer is in, and stops when its stdin closes (or after
 * <seconds>, a bound in case nobody closes it); then prints one JSON line: {"admitted", "refused", "other"}.
 */
const [secondsArg, clientsArg, secret, ...baseUrls] = process.argv.slice(2);
const until = performance.now() + Number(secondsArg) * 1000;
let stopped = false;
process.stdin.on("end", () => (stopped = true));
process.stdin.resume();
const tally = { admitted: 0, refused: 0, other: 0 };
let announced = false;
await Promise.all(
  Array.from({ length: Number(clientsArg) }, async (_, i) => {
    const baseUrl = baseUrls[i % baseUrls.length]!;
    while (!stopped && performance.now() < until) {
      const res = await fetch(`${baseUrl}/v1/mandates/MD1`, { headers: { authorization: `Bearer ${secret}` } });
      await res.arrayBuffer();
      if (res.status === 404) tally.admitted++;
      else if (res.status === 429) tally.refused++;
      else tally.other++;
      if (!announced) {
        announced = true;
        process.stdout.write(`${JSON.stringify({ flooding: true })}\n`);
      }
    }
  }),
);
process.stdout.write(`${JSON.stringify(tally)}\n`);
process.stdin.pause();
