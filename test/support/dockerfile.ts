/**
 * dockerfile.ts reads the Dockerfile and .dockerignore the way `docker build` does, for the tests that
 * check them without a Docker engine: instructions per stage, exec-form arguments, and the build
 * context's ignore rules.
 */
import { readFileSync } from "node:fs";

export interface Instruction {
  /** Upper case: FROM, COPY, RUN, CMD… */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  rest: string;
}

export interface Stage {
  /** The name after AS, or the stage's index. */
  name: string;
  instructions: Instruction[];
}

/** readStages parses a Dockerfile into its stages (instructions before the first FROM, such as ARG, are dropped). */
export function readStages(path: string): Stage[] {
  const logical: string[] = [];
  let pending = "";
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || (line === "" && pending === "")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = "";
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    if (line === "") continue;
    const [keyword = "", ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), rest: rest.join(" ") };
    if (instruction.keyword === "FROM") {
      const as = /\s+AS\s+(\S+)\s*$/i.exec(instruction.rest);
      stages.push({ name: as?.[1] ?? String(stages.length), instructions: [] });
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

/** CopyInstruction is a COPY or ADD: its flags (--from, --chown…), sources and destination. */
export interface CopyInstruction {
  from: string | undefined;
  sources: string[];
  destination: string;
}

/** copies lists a stage's COPY and ADD instructions, shell or exec (JSON) form. */
export function copies(stage: Stage): CopyInstruction[] {
  return stage.instructions
    .filter((i) => i.keyword === "COPY" || i.keyword === "ADD")
    .map((i) => {
      const words = i.rest.split(/\s+/);
      const flags = words.filter((w) => w.startsWith("--"));
      const rest = words.slice(flags.length).join(" ");
      const args = rest.startsWith("[") ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
      const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length);
      return { from, sources: args.slice(0, -1), destination: args.at(-1)! };
    });
}

/** execForm parses an instruction's exec form (`CMD ["node", "dist/main.js"]`), after any flags. */
export function execForm(rest: string): string[] {
  const start = rest.indexOf("[");
  if (start < 0) throw new Error(`not in exec form: ${rest}`);
  return JSON.parse(rest.slice(start)) as string[];
}

/**
 * DockerIgnore answers whether a path (relative, with `/`) is left out of the build context, with
 * Docker's rules: patterns are Go filepath.Match globs plus `**` (any number of directories); a pattern
 * also matches everything under a directory it matches; `!` re-includes; the last matching line wins.
 * Character classes (`[a-z]`) are passed to the regular expression as they are.
 */
export class DockerIgnore {
  private readonly patterns: { regex: RegExp; exclude: boolean }[];

  constructor(text: string) {
    this.patterns = text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => {
        const exclude = !line.startsWith("!");
        const glob = (exclude ? line : line.slice(1)).trim().replace(/^\/+/, "").replace(/\/+$/, "");
        return { regex: globToRegex(glob), exclude };
      });
  }

  static read(path: string): DockerIgnore {
    return new DockerIgnore(readFileSync(path, "utf8"));
  }

  excludes(path: string): boolean {
    const parts = path.split("/");
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const { regex, exclude } of this.patterns) {
      if (candidates.some((candidate) => regex.test(candidate))) excluded = exclude;
    }
    return excluded;
  }
}

function globToRegex(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      i++;
      if (glob[i + 1] === "/") {
        i++;
        source += "(.*/)?";
      } else {
        source += ".*";
      }
    } else if (c === "*") {
      source += "[^/]*";
    } else if (c === "?") {
      source += "[^/]";
    } else if (c === "[" && glob.indexOf("]", i) > i) {
      const end = glob.indexOf("]", i);
      source += glob.slice(i, end + 1);
      i = end;
    } else if (c === "\\") {
      i++;
      source += escapeRegex(glob[i] ?? "");
    } else {
      source += escapeRegex(c);
    }
  }
  return new RegExp(`^${source}$`);
}

function escapeRegex(c: string): string {
  return c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
}
