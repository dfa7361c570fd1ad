/**
 * testPasswordCost is the scrypt cost test servers hash passwords at (startTestServer's
 * passwordCost) and fixture users are stored at: N=2^10 instead of the service's N=2^17, which costs
 * about a second of CPU a hash, and the suite signs in thousands of times. The code path is the
 * service's own; the files about the cost itself (password-cost, password, sign-in-races, sign-in-timing) run at
 * the service's.
 */
import type { PasswordCost } from "../../src/modules/identity/password.js";

export const testPasswordCost: PasswordCost = { N: 2 ** 10, r: 8, p: 1 };
