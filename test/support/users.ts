/**
 * users.ts (test support) drives UserService over REST the way the console does: an admin adds a
 * user, the test reads the welcome link from the server's outbox, and the new user completes it.
 */
import { randomBytes } from "node:crypto";
import { sessionRest } from "./collections.js";
import { outbox, type RestAnswer, rest } from "./mandates.js";
import type { TestServer } from "./test-server.js";

/** UserJson is a user as REST shows it (proto3 JSON, lowerCamelCase). */
export interface UserJson {
  id: string;
  email: string;
  displayName?: string;
  role: string;
  state: string;
  totpEnabled?: boolean;
  createTime: string;
  updateTime: string;
  deactivateTime?: string;
}

/** welcomeTokens are the tokens of the welcome links emailed to `email`, oldest first. */
export async function welcomeTokens(server: TestServer, email: string): Promise<string[]> {
  const emails = (await outbox(server)).filter((e) => e.to === email);
  return emails.map((e) => /\/console\/welcome\/([A-Za-z0-9_-]{43})/.exec(e.text)?.[1] ?? "");
}

/** addUser has the admin add a user with a random email (role ROLE_MEMBER unless given) and returns it with its welcome token. */
export async function addUser(
  server: TestServer,
  adminCookie: string,
  role = "ROLE_MEMBER",
): Promise<{ user: UserJson; token: string }> {
  const email = `new-${randomBytes(6).toString("hex")}@example.com`;
  const answer = await sessionRest(server, "POST", "/v1/users", adminCookie, { email, role });
  if (answer.status !== 200) throw new Error(`add user failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  const token = (await welcomeTokens(server, email)).at(-1);
  if (!token) throw new Error(`no welcome link emailed to ${email}`);
  return { user: answer.body as UserJson, token };
}

/** completeWelcome sets the password over REST, without credentials, as the console's welcome page does. */
export function completeWelcome(server: TestServer, token: string, password: string): Promise<RestAnswer> {
  return rest(server, "POST", `/v1/welcomes/${token}:complete`, undefined, { password });
}
