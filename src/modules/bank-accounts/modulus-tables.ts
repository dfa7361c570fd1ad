/**
 * modulus-tables.ts reads Vocalink's modulus-checking tables: `valacdos.txt` (which check, with
 * which weights and which exception, applies to each sort-code range) and `scsubtab.txt` (sort codes
 * that exception 5 replaces). Vocalink publishes new versions of both from time to time; they are
 * kept byte for byte as published (data/modulus/README.md says where and how to update them), so
 * the parser takes their format as it is: whitespace-separated columns, CRLF line ends.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The three ways Vocalink checks an account number. */
export type ModulusMethod = "MOD10" | "MOD11" | "DBLAL";

/** WeightRow is one line of valacdos.txt: a check for the sort codes from `from` to `to`. */
export interface WeightRow {
  from: string;
  to: string;
  method: ModulusMethod;
  /** 14 weights, one per digit of sort code and account number (u v w x y z a b c d e f g h). */
  weights: readonly number[];
  /** Vocalink's exception number (1–14), or 0 for none. */
  exception: number;
}

/** ModulusTables are both tables, ready to look up. */
export interface ModulusTables {
  /** The rows, in file order (a sort code's first check comes before its second). */
  rows: readonly WeightRow[];
  /** Exception 5's substitutions: original sort code → the one to check with. */
  substitutions: ReadonlyMap<string, string>;
}

/** Where the tables are unless MODULUS_TABLES_DIR says otherwise: the copy in the repository, from the working directory. */
export const defaultModulusTablesDir = "data/modulus";

const methods: ReadonlySet<string> = new Set(["MOD10", "MOD11", "DBLAL"]);

/** parseWeightTable reads valacdos.txt, refusing any line it does not understand (with its number). */
export function parseWeightTable(text: string): WeightRow[] {
  return lines(text).map(([lineNumber, columns]) => {
    const [from, to, method, ...rest] = columns;
    const numbers = rest.map(Number);
    const valid =
      /^\d{6}$/.test(from ?? "") &&
      /^\d{6}$/.test(to ?? "") &&
      methods.has(method ?? "") &&
      (numbers.length === 14 || numbers.length === 15) &&
      numbers.every(Number.isInteger);
    if (!valid) throw new Error(`valacdos.txt line ${lineNumber}: not a weight row: ${columns.join(" ")}`);
    return {
      from: from!,
      to: to!,
      method: method as ModulusMethod,
      weights: numbers.slice(0, 14),
      exception: numbers[14] ?? 0,
    };
  });
}

/** parseSubstitutions reads scsubtab.txt: pairs of sort codes. */
export function parseSubstitutions(text: string): Map<string, string> {
  const substitutions = new Map<string, string>();
  for (const [lineNumber, columns] of lines(text)) {
    const [original, substitute] = columns;
    if (columns.length !== 2 || !/^\d{6}$/.test(original!) || !/^\d{6}$/.test(substitute!)) {
      throw new Error(`scsubtab.txt line ${lineNumber}: not a sort-code pair: ${columns.join(" ")}`);
    }
    substitutions.set(original!, substitute!);
  }
  return substitutions;
}

/** loadModulusTables reads `valacdos.txt` and `scsubtab.txt` from `dir`. */
export function loadModulusTables(dir: string): ModulusTables {
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file), "latin1");
    } catch (error) {
      throw new Error(`modulus tables: cannot read ${join(dir, file)} (MODULUS_TABLES_DIR): ${String(error)}`);
    }
  };
  return { rows: parseWeightTable(read("valacdos.txt")), substitutions: parseSubstitutions(read("scsubtab.txt")) };
}

function lines(text: string): [number, string[]][] {
  return text
    .split(/\r?\n/)
    .map((line, i): [number, string[]] => [i + 1, line.trim().split(/\s+/)])
    .filter(([, columns]) => columns[0] !== "");
}
