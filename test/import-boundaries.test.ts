/**
 * The import boundaries (.dependency-cruiser.cjs, docs/architecture.md) hold for src/, and the rule
 * really fails on an arrow up the floors or a cycle: each case plants one in a scratch tree and runs
 * the same command CI runs.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const depcruise = join(root, "node_modules/.bin/depcruise");
const config = join(root, ".dependency-cruiser.cjs");

function cruise(cwd: string): { status: number | null; output: string } {
  const run = spawnSync(depcruise, ["src", "--config", config], { cwd, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** tree writes files (path → source) into a fresh scratch project and returns its folder. */
function tree(files: Record<string, string>): string {
  scratch = mkdtempSync(join(tmpdir(), "dd-boundaries-"));
  writeFileSync(join(scratch, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext" } }));
  // The real packages, so an import of one resolves into node_modules as it does in src/.
  symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), source);
  }
  return scratch;
}

describe("import boundaries", () => {
  it("hold for src/", () => {
    const { status, output } = cruise(root);
    expect(output).toContain("no dependency violations found");
    expect(status).toBe(0);
  }, 60_000);

  // One scratch tree plants every kind of violation, so the command runs once (each run takes seconds).
  const planted = [
    {
      arrow: "platform → a module",
      rule: "platform-is-the-floor: src/platform/db/leak.ts → src/modules/identity/user.ts",
      files: {
        "src/modules/identity/user.ts": "export const user = 1;\n",
        "src/platform/db/leak.ts":
          'import { user } from "../../modules/identity/user.js";\nexport const leak = user;\n',
      },
    },
    {
      arrow: "platform → config",
      rule: "platform-is-the-floor: src/platform/observability/log.ts → src/config.ts",
      files: {
        "src/config.ts": "export const level = 1;\n",
        "src/platform/observability/log.ts": 'import { level } from "../../config.js";\nexport const log = level;\n',
      },
    },
    {
      arrow: "a module → a module ranked above it",
      rule: "modules-identity-ranked: src/modules/identity/org.ts → src/modules/alerts/alert.ts",
      files: {
        "src/modules/alerts/alert.ts": "export const alert = 1;\n",
        "src/modules/identity/org.ts": 'import { alert } from "../alerts/alert.js";\nexport const org = alert;\n',
      },
    },
    {
      arrow: "a module → a handler",
      rule: "modules-below-the-transport: src/modules/mandates/mandate.ts → src/api/mandates/mandate.handlers.ts",
      files: {
        "src/api/mandates/mandate.handlers.ts": "export const cookie = 1;\n",
        "src/modules/mandates/mandate.ts":
          'import { cookie } from "../../api/mandates/mandate.handlers.js";\nexport const m = cookie;\n',
      },
    },
    {
      arrow: "a module → Connect",
      rule: "modules-know-no-protocol: src/modules/alerts/refuse.ts → ",
      files: {
        "src/modules/alerts/refuse.ts":
          'import { Code } from "@connectrpc/connect";\nexport const refuse = Code.NotFound;\n',
      },
    },
    {
      arrow: "a cycle within one floor",
      rule: "no-circular: src/rpc/a.ts →",
      files: {
        "src/rpc/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
        "src/rpc/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
      },
    },
  ];

  it(`fail on ${planted.map((p) => p.arrow).join(", ")}, naming each rule`, () => {
    const { status, output } = cruise(tree(Object.assign({}, ...planted.map((p) => p.files))));
    for (const { rule } of planted) expect(output).toContain(`error ${rule}`);
    expect(status).toBe(planted.length);
  }, 60_000);
});
