/**
 * ddctl.ts is the operator CLI's entry point (bin/ddctl.js loads it, through tsx or compiled in dist/): run the
 * command in argv and exit with its code. `ddctl --help` lists the commands.
 */
import { exitWith, runDdctl } from "./run.js";

await exitWith(await runDdctl(process.argv.slice(2)));
