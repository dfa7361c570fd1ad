/**
 * bundle-sizes.ts measures what a browser downloads on first load, in gzipped JavaScript: the payer
 * page (its entry and everything it imports) and the console's first load (its entry, and the
 * Overview page it opens on after sign-in, with their imports). `npm run build:web` prints the
 * figures; test/web-bundle-size.test.ts holds them under their budgets.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** The budgets of issue #12, in bytes of gzipped JavaScript. */
export const budgets = { payer: 60 * 1024, console: 250 * 1024 };

interface ManifestChunk {
  file: string;
  imports?: string[];
}

/** firstLoadBytes sums the gzipped JavaScript of the chunks named and their static imports. */
function firstLoadBytes(dist: string, manifestName: string, chunks: readonly string[]): number {
  const manifest = JSON.parse(readFileSync(join(dist, manifestName), "utf8")) as Record<string, ManifestChunk>;
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    const chunk = manifest[key];
    if (!chunk) throw new Error(`${manifestName}: no chunk ${key}`);
    seen.add(key);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  for (const key of chunks) visit(key);
  let bytes = 0;
  for (const key of seen) {
    const file = manifest[key]!.file;
    if (file.endsWith(".js")) bytes += gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  }
  return bytes;
}

/** bundleSizes measures a build in web/dist (or `dist`). */
export function bundleSizes(dist = fileURLToPath(new URL("./dist", import.meta.url))): {
  payer: number;
  console: number;
} {
  return {
    payer: firstLoadBytes(dist, "payer-manifest.json", ["invite.html"]),
    console: firstLoadBytes(dist, "console-manifest.json", ["console.html", "src/console/pages/Overview.tsx"]),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizes = bundleSizes();
  const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;
  process.stdout.write(
    `first load, gzipped JavaScript: payer page ${kB(sizes.payer)} (budget ${kB(budgets.payer)}), ` +
      `console ${kB(sizes.console)} (budget ${kB(budgets.console)})\n`,
  );
}
