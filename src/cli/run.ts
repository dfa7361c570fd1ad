/**
 * run.ts is ddctl without the process around it: find the command, parse its flags, run it, print
 * its result, and turn any failure into one line on stderr and an exit code — 2 for bad arguments or
 * invalid input, 1 for anything else. Expected errors never print a stack trace.
 */
import type { Readable, Writable } from "node:stream";
import { ConfigError, loadConfig } from "../config.js";
import { DomainError, InvalidArgumentError } from "../modules/errors.js";
import { scopeNames } from "../modules/identity/scopes.js";
import { createLogger } from "../platform/observability/logger.js";
import { accountNumbersReEncrypt } from "./account-numbers.js";
import { parseFlags, UsageError } from "./args.js";
import type { Command } from "./command.js";
import { keyCreate, keyList, keyRevoke, keyRotate } from "./key.js";
import { migrateCommand } from "./migrate-command.js";
import { orgCreate, orgRequireTotp, orgSetBacs, orgSetNotices, orgSetRateLimit } from "./org.js";
import { CliRuntime, EmbeddedDatabaseInUseError, RedisUnreachableError } from "./runtime.js";
import { userCreate, userDeactivate, userResetTotp, userSetRole, userUnlock } from "./user.js";

/** commands is every ddctl command, in the order help lists them. */
export const commands: readonly Command[] = [
  migrateCommand,
  orgCreate,
  orgSetBacs,
  orgSetNotices,
  orgSetRateLimit,
  orgRequireTotp,
  userCreate,
  userSetRole,
  userDeactivate,
  userResetTotp,
  userUnlock,
  keyCreate,
  keyList,
  keyRevoke,
  keyRotate,
  accountNumbersReEncrypt,
];

/** DdctlIo is the process around ddctl; runDdctl defaults each part to the real one. */
export interface DdctlIo {
  env: NodeJS.ProcessEnv;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** helpText lists the commands; `ddctl --help` and `ddctl help` print it. */
export function helpText(): string {
  const lines = commands.flatMap((c) => [`  ddctl ${c.usage}`, `      ${c.summary}`]);
  return [
    "ddctl operates the Direct Debit service. It reads DATABASE_URL (unset: the embedded database in",
    "DATA_DIR, which only one process can open, so stop the server first), REDIS_URL, REDIS_KEY_PREFIX,",
    "ACCOUNT_NUMBER_KEY and ACCOUNT_NUMBER_KEYS_OLD as the server does.",
    "",
    "commands:",
    ...lines,
    "",
    `Scopes: ${scopeNames.join(", ")}.`,
    "Every command takes --json and then prints exactly one JSON object on stdout.",
    "user create reads the password from the first line of stdin, never from the command line.",
    "Durations are a whole number and one unit: 30s, 15m, 24h, 7d.",
    "Exit codes: 0 done; 2 bad arguments or invalid input; 1 anything else (one line on stderr).",
  ].join("\n");
}

function findCommand(argv: readonly string[]): { command: Command; rest: readonly string[] } {
  const [first, second] = argv;
  if (first === undefined || first.startsWith("-")) {
    throw new UsageError(
      `ddctl: ${first === undefined ? "no command given" : `unknown flag ${first}`} (ddctl --help lists the commands)`,
    );
  }
  const exact = commands.find((c) => c.words.every((word, i) => argv[i] === word));
  if (exact) return { command: exact, rest: argv.slice(exact.words.length) };
  const group = commands.filter((c) => c.words.length > 1 && c.words[0] === first);
  if (group.length > 0) {
    const actions = group.map((c) => c.words[1]).join(", ");
    const what = second === undefined || second.startsWith("-") ? "needs a subcommand" : `has no command "${second}"`;
    throw new UsageError(`ddctl ${first} ${what} (one of: ${actions})`);
  }
  throw new UsageError(`ddctl: unknown command "${first}" (ddctl --help lists the commands)`);
}

/** Request field names as domain errors give them, and the ddctl flag each comes from. */
const flagOfField: Readonly<Record<string, string>> = {
  name: "--name",
  email: "--email",
  role: "--role",
  user: "--user",
  scopes: "--scopes",
  ttl: "--expires-in",
  grace_period: "--grace",
  service_user_number: "--sun",
  bacs_display_name: "--display-name",
};

/** oneLine keeps an error message to the single line ddctl promises. */
function oneLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

/** failure maps an error to its line and exit code. */
function failure(error: unknown, words: string): { line: string; code: number } {
  if (error instanceof UsageError || error instanceof ConfigError) return { line: oneLine(error.message), code: 2 };
  if (error instanceof InvalidArgumentError) {
    const problems = error.violations.map((v) => `${flagOfField[v.field] ?? v.field}: ${v.description}`).join("; ");
    return { line: `${words}: ${oneLine(problems)}`, code: 2 };
  }
  if (error instanceof DomainError) {
    const reason = "reason" in error && typeof error.reason === "string" ? ` (${error.reason})` : "";
    return { line: `${words}: ${oneLine(error.message)}${reason}`, code: 1 };
  }
  if (error instanceof EmbeddedDatabaseInUseError || error instanceof RedisUnreachableError)
    return { line: `${words}: ${error.message}`, code: 1 };
  const message = error instanceof Error ? error.message : String(error);
  return { line: `${words}: failed: ${oneLine(message)}`, code: 1 };
}

/**
 * runDdctl runs one ddctl invocation (`argv` without node and script) and resolves to its exit code.
 * Everything it opened is closed before it resolves.
 */
export async function runDdctl(argv: readonly string[], io: Partial<DdctlIo> = {}): Promise<number> {
  const { env = process.env, stdin = process.stdin, stdout = process.stdout, stderr = process.stderr } = io;
  if (argv[0] === "help" || argv.includes("--help") || argv.includes("-h")) {
    stdout.write(`${helpText()}\n`);
    return 0;
  }
  let words = "ddctl";
  let runtime: CliRuntime | undefined;
  try {
    const { command, rest } = findCommand(argv);
    words = `ddctl ${command.words.join(" ")}`;
    const flags = parseFlags(command.words.join(" "), rest, command.flags);
    const config = loadConfig(env);
    // Only warnings and errors, on stderr: stdout carries the result and nothing else.
    runtime = new CliRuntime(config, createLogger("warn", stderr));
    const reachesServers = config.databaseUrl === undefined || config.redisUrl !== undefined;
    const result = await command.run(flags, { runtime, stdin, stderr, reachesServers });
    stdout.write(flags.json === true ? `${JSON.stringify(result.json)}\n` : `${result.text}\n`);
    return 0;
  } catch (error) {
    const { line, code } = failure(error, words);
    stderr.write(`${line}\n`);
    return code;
  } finally {
    await runtime?.close().catch((error: unknown) => {
      stderr.write(
        `${words}: could not close cleanly: ${oneLine(error instanceof Error ? error.message : String(error))}\n`,
      );
    });
  }
}

/**
 * exitWith ends the process with `code` once stdout and stderr have flushed. ddctl exits explicitly
 * because a timer left behind elsewhere (Redis's connect timeout, say) would otherwise hold the
 * shell prompt for seconds after the work is done.
 */
export async function exitWith(code: number): Promise<never> {
  const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
