/**
 * mandate-references.ts keeps mandate references unique among an organisation's open mandates, as
 * Bacs needs to tell one live instruction of a service user from another (a closed mandate's
 * reference may pass to the mandate that replaces it): a check before writing, a fresh reference
 * when none is given, and, for two writers racing past the check, the unique index's refusal turned
 * into the same ALREADY_EXISTS.
 */
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { AlreadyExistsError, type FieldViolation } from "../errors.js";
import { generateReference, referenceProblem } from "./bacs-reference.js";
import { Mandate } from "./mandate.entity.js";
import { closedStates } from "./mandate-lifecycle.js";

/** checkReference adds a violation of `field` if `reference` (normalised) is not a valid Bacs reference. */
export function checkReference(reference: string, field: string, violations: FieldViolation[]): void {
  const problem = referenceProblem(reference);
  if (problem) violations.push({ field, description: problem });
}

/** assertReferenceFree throws ALREADY_EXISTS if another open mandate of the tenant than `exceptId` has `reference`. */
export async function assertReferenceFree(
  em: EntityManager,
  reference: string,
  exceptId: string | undefined,
): Promise<void> {
  const taken = await em.findOne(
    Mandate,
    { reference, state: { $nin: [...closedStates] }, ...(exceptId ? { id: { $ne: exceptId } } : {}) },
    { fields: ["id"] },
  );
  if (taken) throw referenceTaken(reference);
}

/** freshReference generates a reference no mandate of the tenant has. */
export async function freshReference(em: EntityManager): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const reference = generateReference();
    if (!(await em.findOne(Mandate, { reference }, { fields: ["id"] }))) return reference;
  }
  throw new Error("could not generate a free mandate reference in 5 attempts");
}

/** withUniqueReference turns a race on the (organisation, reference) unique index into ALREADY_EXISTS. */
export async function withUniqueReference<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw referenceTaken("given");
    throw error;
  }
}

function referenceTaken(reference: string): AlreadyExistsError {
  return new AlreadyExistsError(
    "MANDATE_REFERENCE_ALREADY_EXISTS",
    `another open mandate of the organisation has the reference ${reference}`,
    {
      field: "mandate.reference",
    },
  );
}
