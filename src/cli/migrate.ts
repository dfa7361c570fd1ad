/**
 * migrate.ts is `npm run migrate`, kept for deploy scripts that call it: the same as `ddctl migrate`
 * (flags such as --json pass through), exit code included.
 */
import { runDdctl } from "./run.js";

process.exitCode = await runDdctl(["migrate", ...process.argv.slice(2)]);
