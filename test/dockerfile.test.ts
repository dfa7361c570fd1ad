/**
 * The image, checked without a Docker engine (CI has none): the Dockerfile copies only what exists and
 * what .dockerignore lets into the build context, its build stage gets every file `npm run build`
 * compiles, and the runtime stage's CMD (and ddctl) run files that build produces. What tsc reads and
 * writes comes from TypeScript's own API for the build's tsconfig, not from a copy of its rules, and
 * without compiling: test/main.test.ts runs the built server.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { copies, DockerIgnore, execForm, readStages, type Stage } from "./support/dockerfile.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const stages = readStages(join(root, "Dockerfile"));
const ignore = DockerIgnore.read(join(root, ".dockerignore"));

/** The stage that runs `npm run build`, and the last stage: the image that runs. */
const buildStage = stages.find((s) =>
  s.instructions.some((i) => i.keyword === "RUN" && /\bnpm run build\b/.test(i.rest)),
);
const runtimeStage = stages.at(-1)!;

/** The tsconfig `npm run build` compiles with, parsed by TypeScript itself. */
const buildScript = (
  JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
).scripts.build;
const tsconfigPath = /\btsc -p (\S+)/.exec(buildScript ?? "")?.[1];
const parsed = tsconfigPath
  ? ts.getParsedCommandLineOfConfigFile(
      join(root, tsconfigPath),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    )
  : undefined;
/** Repository-relative paths: every file the build reads, and every file it writes. */
const buildInputs = parsed ? [...parsed.fileNames, ...configChain(join(root, tsconfigPath!))].map(repoPath) : [];
const buildOutputs = new Set(
  parsed ? parsed.fileNames.flatMap((file) => ts.getOutputFileNames(parsed, file, false)).map(repoPath) : [],
);

function repoPath(absolute: string): string {
  return relative(root, absolute).split("\\").join("/");
}

/** configChain lists a tsconfig and every file it extends. */
function configChain(path: string): string[] {
  const { config } = ts.readConfigFile(path, ts.sys.readFile) as { config?: { extends?: string } };
  return config?.extends ? [path, ...configChain(join(path, "..", config.extends))] : [path];
}

/** filesUnder lists the files at a repository path (itself if a file), node_modules left out. */
function filesUnder(path: string): string[] {
  if (!statSync(join(root, path)).isDirectory()) return [path];
  return readdirSync(join(root, path), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => repoPath(join(entry.parentPath, entry.name)))
    .filter((file) => !file.split("/").includes("node_modules"));
}

function workdir(stage: Stage): string {
  const dirs = stage.instructions.filter((i) => i.keyword === "WORKDIR");
  expect(dirs, `stage ${stage.name}: one WORKDIR`).toHaveLength(1);
  return dirs[0]!.rest;
}

/** normalise makes a context path comparable: no leading ./ or trailing /. */
function normalise(path: string): string {
  return posix.normalize(path).replace(/\/+$/, "");
}

describe("Dockerfile and .dockerignore", () => {
  it("copies from the build context only files that exist and that .dockerignore lets in", () => {
    const contextCopies = stages.flatMap((stage) => copies(stage).filter((c) => c.from === undefined));
    expect(contextCopies.length).toBeGreaterThan(0);
    for (const copy of contextCopies) {
      for (const source of copy.sources.map(normalise)) {
        expect(() => statSync(join(root, source)), `COPY ${source}: missing from the repository`).not.toThrow();
        expect(ignore.excludes(source), `COPY ${source}: excluded by .dockerignore`).toBe(false);
        const sent = filesUnder(source).filter((file) => !ignore.excludes(file));
        expect(sent.length, `COPY ${source}: .dockerignore leaves nothing of it`).toBeGreaterThan(0);
      }
    }
  });

  it("keeps node_modules, .data, dist and .git out of the build context", () => {
    for (const path of ["node_modules", ".data", "dist", ".git"]) {
      expect(ignore.excludes(path), path).toBe(true);
      expect(ignore.excludes(`${path}/any/file.js`), `${path}/…`).toBe(true);
    }
  });

  it("gives the build stage every file npm run build compiles, in the repository's layout", () => {
    expect(tsconfigPath, `npm run build is "tsc -p <tsconfig>": ${buildScript}`).toBeDefined();
    expect(buildStage, "a stage runs npm run build").toBeDefined();
    expect(parsed!.errors).toEqual([]);
    const copied = copies(buildStage!).filter((c) => c.from === undefined);
    for (const copy of copied) {
      for (const source of copy.sources.map(normalise)) {
        // `COPY a b ./` and `COPY src ./src`: the stage's WORKDIR mirrors the repository.
        const destination = normalise(copy.destination);
        expect([".", source], `COPY ${source} ${copy.destination}`).toContain(destination);
      }
    }
    const sources = copied.flatMap((c) => c.sources.map(normalise));
    expect(buildInputs).toContain("src/main.ts");
    for (const file of buildInputs) {
      const inContext = !ignore.excludes(file);
      const copiedIn = sources.some((source) => file === source || file.startsWith(`${source}/`));
      expect(inContext && copiedIn, `${file} is compiled but not copied into the build stage`).toBe(true);
    }
  });

  it("runs, in the runtime stage, a file the build produces and copies over (CMD, and ddctl's dist entry)", () => {
    const cmd = runtimeStage.instructions.filter((i) => i.keyword === "CMD");
    expect(cmd).toHaveLength(1);
    const [program, ...args] = execForm(cmd[0]!.rest);
    expect(program).toBe("node");
    const script = args.find((a) => !a.startsWith("-"))!;
    const runtimeDir = workdir(runtimeStage);

    /** fromBuild maps a path in the runtime image to the repository path the build stage wrote it from. */
    const fromBuild = (imagePath: string): string | undefined => {
      for (const copy of copies(runtimeStage).filter((c) => c.from === buildStage!.name)) {
        const destination = posix.resolve(runtimeDir, copy.destination);
        for (const source of copy.sources) {
          if (imagePath === destination || imagePath.startsWith(`${destination}/`)) {
            const built = posix.resolve(workdir(buildStage!), source) + imagePath.slice(destination.length);
            return posix.relative(workdir(buildStage!), built);
          }
        }
      }
      return undefined;
    };
    const cmdFile = fromBuild(posix.resolve(runtimeDir, script));
    expect(cmdFile, `CMD ${script}: not copied from the build stage`).toBeDefined();
    expect(buildOutputs, `CMD ${script}: npm run build does not write ${cmdFile}`).toContain(cmdFile);

    // ddctl in the image (no tsx) imports the compiled CLI from dist/.
    expect(copies(runtimeStage).some((c) => c.from === undefined && c.sources.map(normalise).includes("bin"))).toBe(
      true,
    );
    const launcher = readFileSync(join(root, "bin/ddctl.js"), "utf8");
    const distEntry = /import\("\.\.\/(dist\/[^"]+)"\)/.exec(launcher)?.[1];
    expect(distEntry, "bin/ddctl.js imports ../dist/…").toBeDefined();
    expect(fromBuild(posix.resolve(runtimeDir, distEntry!)), `${distEntry}: not copied from the build stage`).toBe(
      distEntry,
    );
    expect(buildOutputs, `npm run build does not write ${distEntry}`).toContain(distEntry);
  });
});

describe("DockerIgnore", () => {
  it("reads patterns as docker build does", () => {
    const rules = new DockerIgnore(
      ["# comment", "*", "!src", "**/*.test.ts", "!src/keep.test.ts", "/docs/", "a?c", "[xy].md"].join("\n"),
    );
    expect(rules.excludes("package.json")).toBe(true);
    expect(rules.excludes("src")).toBe(false);
    expect(rules.excludes("src/a/b.ts")).toBe(false);
    expect(rules.excludes("src/a/b.test.ts")).toBe(true);
    expect(rules.excludes("src/keep.test.ts")).toBe(false);
    expect(rules.excludes("docs/x.md")).toBe(true);
    expect(new DockerIgnore("a?c").excludes("abc")).toBe(true);
    expect(new DockerIgnore("a?c").excludes("a/c")).toBe(false);
    expect(new DockerIgnore("[xy].md").excludes("y.md")).toBe(true);
    expect(new DockerIgnore("src/*.ts").excludes("src/a/b.ts")).toBe(false);
    expect(new DockerIgnore("**/node_modules").excludes("a/node_modules/b")).toBe(true);
  });
});
