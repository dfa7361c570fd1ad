/**
 * command.ts is the shape every ddctl command has: the words that name it, its flags, one line of
 * help, and a run that validates its flags before touching the database and returns one result.
 */
import type { Readable, Writable } from "node:stream";
import type { FlagSpec, Flags } from "./args.js";
import type { CliRuntime } from "./runtime.js";

/** CommandContext is what a command may use beyond its flags. */
export interface CommandContext {
  runtime: CliRuntime;
  /** Where `user create` reads the password (first line). */
  stdin: Readable;
  /** For prompts only; results go to stdout through the runner. */
  stderr: Writable;
  /**
   * False on shared PostgreSQL without REDIS_URL: then a revocation cannot reach running servers,
   * which keep trusting a cached key until its entry expires. (On the embedded database no server
   * can be running while ddctl holds it.)
   */
  reachesServers: boolean;
}

/** Result is what a command printed: `json` with --json (exactly one object), else `text`. */
export interface Result {
  json: Record<string, unknown>;
  text: string;
}

/** Command is one ddctl command, e.g. words ["key", "create"]. */
export interface Command {
  words: readonly string[];
  /** Flags besides --json, which every command takes. */
  flags: FlagSpec;
  /** One usage line for --help, e.g. "org set-rate-limit --org ORG_ID --per-minute N --burst B". */
  usage: string;
  summary: string;
  run(flags: Flags, context: CommandContext): Promise<Result>;
}
