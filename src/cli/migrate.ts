/**
 * migrate.ts is `npm run migrate`, kept for deploy scripts that call it: the same as `ddctl migrate`
 * (flags such as --json pass through), exit code included.
 */
import { exitWith, runDdctl } from "./run.js";

await exitWith(await runDdctl(["migrate", ...process.argv.slice(2)]));
