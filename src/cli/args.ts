/**
 * args.ts parses a command's flags with node:util parseArgs and turns every way of getting them wrong
 * into one UsageError, so ddctl can answer bad arguments with one line on stderr and exit code 2.
 */
import { parseArgs } from "node:util";

/** UsageError is a mistake in how ddctl was called: unknown command or flag, a missing or bad value. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** FlagSpec declares a command's flags: a string flag takes a value, a boolean flag does not. */
export type FlagSpec = Readonly<Record<string, "string" | "boolean">>;

/** Flags are the parsed values; a flag that was not given is absent. */
export type Flags = Readonly<Record<string, string | boolean | undefined>>;

/**
 * parseFlags parses `args` (what follows the command words) against `spec` plus `--json`, strictly:
 * no positionals, no unknown flags. The messages name the command so the one line is enough.
 */
export function parseFlags(command: string, args: readonly string[], spec: FlagSpec): Flags {
  const options: Record<string, { type: "string" | "boolean" }> = { json: { type: "boolean" } };
  for (const [name, type] of Object.entries(spec)) options[name] = { type };
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) throw error;
    // Node's messages are good but sometimes run on ("…. This command does not take…"): keep the first sentence.
    const first = (error as Error).message.split(". ")[0] ?? "bad arguments";
    const known = Object.keys(options)
      .map((name) => `--${name}`)
      .join(", ");
    throw new UsageError(`ddctl ${command}: ${first} (flags: ${known})`);
  }
}

/** requireString returns a string flag's value or says which flag is missing. */
export function requireString(command: string, flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== "string" || value.trim() === "") throw new UsageError(`ddctl ${command}: --${name} is required`);
  return value;
}

/** optionalString returns a string flag's value, or undefined when it was not given. */
export function optionalString(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
}

/** Largest value a PostgreSQL integer column holds. */
const maxInt4 = 2_147_483_647;

/** requirePositiveInteger reads a required flag as a whole number from 1 to 2^31-1. */
export function requirePositiveInteger(command: string, flags: Flags, name: string): number {
  const raw = requireString(command, flags, name).trim();
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > maxInt4) {
    throw new UsageError(`ddctl ${command}: --${name} must be a whole number from 1 to ${maxInt4}, got "${raw}"`);
  }
  return value;
}

/** requireChoice reads a required flag that must be one of `choices`, naming them when it is not. */
export function requireChoice<const Choice extends string>(
  command: string,
  flags: Flags,
  name: string,
  choices: readonly Choice[],
): Choice {
  const value = requireString(command, flags, name);
  const choice = choices.find((c) => c === value);
  if (choice === undefined) {
    const listed = choices.length === 1 ? choices[0] : `${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`;
    throw new UsageError(`ddctl ${command}: --${name} must be ${listed}, got "${value}"`);
  }
  return choice;
}
