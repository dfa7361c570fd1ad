/**
 * mandate-registry.ts is the organisation's record of its mandates: create one (and email the payer
 * the invite), read, list, and update the details the organisation owns (reference, payer, metadata).
 * State changes are mandate-transitions.ts; the payer's side of the invite is payer-invites.ts.
 * Every write validates all its fields before touching the database (one violation per bad field,
 * nothing written) and records its audit event in the same transaction.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { findPage, type IdCursor, type PageRequest } from "../../platform/db/keyset-page.js";
import { newId } from "../../platform/ids.js";
import { FailedPreconditionError, type FieldViolation, InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import { Organisation } from "../identity/organisation.entity.js";
import { recordNotification } from "../notifications/notifications.js";
import { resolveUpdateMask } from "../update-mask.js";
import { normaliseReference } from "./bacs-reference.js";
import type { InviteLinks } from "./invite-links.js";
import { lockMandate } from "./locked-mandate.js";
import { Mandate } from "./mandate.entity.js";
import { checkEmail, checkMetadata, checkName } from "./mandate-fields.js";
import { type MandateStateName, referenceEditableStates } from "./mandate-lifecycle.js";
import { assertReferenceFree, checkReference, freshReference, withUniqueReference } from "./mandate-references.js";

/** NewMandate is a create request in plain values; an empty reference means "generate one". */
export interface NewMandate {
  reference: string;
  payerName: string;
  payerEmail: string;
  metadata: Readonly<Record<string, string>>;
}

/** MandateFilter is ListMandates' filters: states (any of), exact reference, payer email (any case). */
export interface MandateFilter {
  states: readonly MandateStateName[];
  reference: string;
  payerEmail: string;
}

/** MandateUpdate is an update request: the mask (undefined when absent) and the new values. */
export interface MandateUpdate extends NewMandate {
  id: string;
  mask: readonly string[] | undefined;
}

/** The update_mask paths UpdateMandate accepts. */
export const updatablePaths = ["reference", "metadata", "payer.name", "payer.email"] as const;
type UpdatablePath = (typeof updatablePaths)[number];

/** MandateRegistry creates, reads and updates mandates on a tenant-scoped EntityManager. */
export class MandateRegistry {
  constructor(private readonly options: { clock: Clock; invites: InviteLinks }) {}

  /** create stores a mandate in PENDING_CUSTOMER_APPROVAL and emails the payer an invite. */
  async create(em: EntityManager, acting: Acting, input: NewMandate): Promise<Mandate> {
    const violations: FieldViolation[] = [];
    checkName(input.payerName, "mandate.payer.name", violations);
    checkEmail(input.payerEmail, "mandate.payer.email", violations);
    const reference = input.reference === "" ? undefined : normaliseReference(input.reference);
    if (reference !== undefined) checkReference(reference, "mandate.reference", violations);
    checkMetadata(input.metadata, "mandate.metadata", violations);
    if (violations.length > 0) throw new InvalidArgumentError(violations);

    const { invites } = this.options;
    const now = this.options.clock.now();
    return withUniqueReference(() =>
      em.transactional(async (tx) => {
        const organisation = await tx.findOneOrFail(Organisation, acting.organisationId);
        if (reference !== undefined) await assertReferenceFree(tx, reference, undefined);
        const mandate = tx.create(Mandate, {
          id: newId("MD", now.getTime()),
          organisation,
          state: "PENDING_CUSTOMER_APPROVAL",
          reference: reference ?? (await freshReference(tx)),
          payerName: input.payerName.trim(),
          payerEmail: input.payerEmail,
          payerEmailNormalised: input.payerEmail.toLowerCase(),
          accountHolderName: null,
          sortCode: null,
          accountNumberEnding: null,
          accountNumberCiphertext: null,
          metadata: { ...input.metadata },
          resubmissionCount: 0,
          inviteExpireTime: null,
          lastChangePreviousState: null,
          lastChangeCause: "ORGANISATION",
          lastChangeReasonCode: null,
          lastChangeDescription: "Created by the organisation; the payer was sent an invite",
          lastChangeTime: now,
          createTime: now,
          updateTime: now,
        });
        const issued = await invites.issue(tx, mandate, now);
        recordAudit(tx, { ...acting, action: "mandate.create", target: mandate.id, outcome: "success", time: now });
        recordNotification(tx, {
          organisationId: organisation.id,
          type: "mandate.created",
          resourceType: "mandate",
          resourceId: mandate.id,
          mandateId: mandate.id,
          message: `Mandate ${mandate.id} (reference ${mandate.reference}) created; the payer was sent an invite`,
          time: now,
        });
        await tx.flush(); // a taken reference fails here, before the payer is emailed
        await invites.send(mandate, organisation, issued);
        return mandate;
      }),
    );
  }

  /** get returns the organisation's mandate; NOT_FOUND for a missing one or another organisation's. */
  async get(em: EntityManager, id: string): Promise<Mandate> {
    if (id === "") throw InvalidArgumentError.field("mandate_id", "is required");
    const mandate = await em.findOne(Mandate, { id });
    if (!mandate) throw new NotFoundError("mandate", id);
    return mandate;
  }

  /** list returns one page, newest first, and whether more follow. */
  async list(em: EntityManager, filter: MandateFilter, page: PageRequest<IdCursor>) {
    const where = {
      ...(filter.states.length > 0 ? { state: { $in: [...filter.states] } } : {}),
      ...(filter.reference !== "" ? { reference: normaliseReference(filter.reference) } : {}),
      ...(filter.payerEmail !== "" ? { payerEmailNormalised: filter.payerEmail.toLowerCase() } : {}),
    };
    return findPage(em, Mandate, where, { orderBy: ["id"], ...page });
  }

  /** update changes the fields the mask names (see UpdateMandateRequest.update_mask). */
  async update(em: EntityManager, acting: Acting, input: MandateUpdate): Promise<Mandate> {
    const violations: FieldViolation[] = [];
    if (input.id === "") violations.push({ field: "mandate.id", description: "is required" });
    const set = setFields(input);
    const paths = resolveUpdateMask(input.mask, updatablePaths, (path) => set[path], violations);
    const reference = normaliseReference(input.reference);
    if (paths.has("reference")) checkReference(reference, "mandate.reference", violations);
    if (paths.has("payer.name")) checkName(input.payerName, "mandate.payer.name", violations);
    if (paths.has("payer.email")) checkEmail(input.payerEmail, "mandate.payer.email", violations);
    if (paths.has("metadata")) checkMetadata(input.metadata, "mandate.metadata", violations);
    if (violations.length > 0) throw new InvalidArgumentError(violations);

    const now = this.options.clock.now();
    return withUniqueReference(() =>
      em.transactional(async (tx) => {
        const mandate = await lockMandate(tx, input.id);
        const before = JSON.stringify(shown(mandate));
        if (paths.has("reference") && reference !== mandate.reference) {
          if (!referenceEditableStates.has(mandate.state)) {
            throw new FailedPreconditionError(
              "MANDATE_REFERENCE_LOCKED",
              `mandate ${mandate.id}: the reference can change only before the instruction is submitted`,
            );
          }
          await assertReferenceFree(tx, reference, mandate.id);
          mandate.reference = reference;
        }
        if (paths.has("payer.name")) mandate.payerName = input.payerName.trim();
        if (paths.has("payer.email")) {
          mandate.payerEmail = input.payerEmail;
          mandate.payerEmailNormalised = input.payerEmail.toLowerCase();
        }
        if (paths.has("metadata")) mandate.metadata = { ...input.metadata };
        if (JSON.stringify(shown(mandate)) !== before) {
          mandate.updateTime = now;
          recordAudit(tx, {
            ...acting,
            action: "mandate.update",
            target: mandate.id,
            outcome: `success:${[...paths].sort().join(",")}`,
            time: now,
          });
        }
        return mandate;
      }),
    );
  }
}

/** setFields says which fields an update without a mask sets: the non-empty ones. */
function setFields(input: MandateUpdate): Record<UpdatablePath, boolean> {
  return {
    reference: input.reference !== "",
    metadata: Object.keys(input.metadata).length > 0,
    "payer.name": input.payerName !== "",
    "payer.email": input.payerEmail !== "",
  };
}

/** shown is what an update can change, to tell whether it changed anything. */
function shown(mandate: Mandate) {
  return [mandate.reference, mandate.payerName, mandate.payerEmail, Object.entries(mandate.metadata).sort()];
}
