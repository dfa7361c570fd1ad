/** user-state.ts says whether a user can sign in, from the row alone. */
import { noPassword } from "./password.js";
import type { User } from "./user.entity.js";

/** UserStateName is whether a user can sign in: has a password, has none yet, or was deactivated. */
export type UserStateName = "active" | "invited" | "deactivated";

/** userState works the state out from the row (deactivation wins). */
export function userState(user: Pick<User, "passwordHash" | "deactivateTime">): UserStateName {
  if (user.deactivateTime) return "deactivated";
  if (user.passwordHash === noPassword) return "invited";
  return "active";
}
