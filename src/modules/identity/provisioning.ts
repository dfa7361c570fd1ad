/**
 * provisioning.ts creates organisations and users: what an operator does with ddctl, what the first
 * embedded start does, and what tests use to set up. API keys go through ApiKeyManager.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { newId } from "../../platform/ids.js";
import { addDefaultThresholds } from "../alerts/alert-thresholds.js";
import { AlreadyExistsError, type FieldViolation, InvalidArgumentError } from "../errors.js";
import { Organisation } from "./organisation.entity.js";
import { hashPassword } from "./password.js";
import { isRoleName, type RoleName } from "./scopes.js";
import { normaliseEmail } from "./session.service.js";
import { User } from "./user.entity.js";

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const minPasswordLength = 12;

/** createOrganisation adds a live or sandbox organisation, with the default alert thresholds. */
export async function createOrganisation(
  em: EntityManager,
  input: { name: string; sandbox: boolean },
): Promise<Organisation> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) throw InvalidArgumentError.field("name", "must be 1 to 200 characters");
  const organisation = em.create(Organisation, { id: newId("OR"), name, sandbox: input.sandbox });
  addDefaultThresholds(em, organisation.id, new Date());
  await em.flush();
  return organisation;
}

/** createUser adds a user to an organisation; the password is stored only as a scrypt hash. */
export async function createUser(
  em: EntityManager,
  input: { organisationId: string; email: string; role: string; password: string; displayName?: string },
): Promise<User> {
  const email = normaliseEmail(input.email);
  const violations: FieldViolation[] = [];
  if (!emailPattern.test(email) || email.length > 254)
    violations.push({ field: "email", description: "is not an email address" });
  if (!isRoleName(input.role)) violations.push({ field: "role", description: "must be admin, member or viewer" });
  if (input.password.length < minPasswordLength) {
    violations.push({ field: "password", description: `must be at least ${minPasswordLength} characters` });
  }
  if (violations.length > 0) throw new InvalidArgumentError(violations);
  // Emails are unique across organisations; this check looks across tenants on purpose.
  if (await em.count(User, { email }, { filters: false })) {
    throw new AlreadyExistsError("EMAIL_TAKEN", `a user with email ${email} already exists`);
  }
  const organisation = await em.findOneOrFail(Organisation, input.organisationId);
  const user = em.create(User, {
    id: newId("US"),
    organisation,
    email,
    displayName: input.displayName ?? "",
    passwordHash: await hashPassword(input.password),
    role: input.role as RoleName,
  });
  await em.flush();
  return user;
}
