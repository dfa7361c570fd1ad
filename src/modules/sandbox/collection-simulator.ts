/**
 * collection-simulator.ts plays SandboxService's collection scenarios: the Bacs outcome happens
 * now, with the same effects as the real event (each state change and its notification), skipping
 * the waiting days. Every step goes through applyCollectionStateChange, so the life cycle is the
 * real one; the steps of one scenario run in one transaction, so it happens entirely or not at all,
 * with any alert its outcome raises (alert-evaluator.ts).
 *
 * Walks, from the state the collection is in (sandbox.proto):
 * - PAY: [submit] → [confirm] → pay out, from PENDING_SUBMISSION, SUBMITTED or CONFIRMED.
 * - FAIL (ARUDD): [submit] → fail, from PENDING_SUBMISSION or SUBMITTED.
 * - LATE_FAIL (late ARUDD): fail, from CONFIRMED or PAID_OUT.
 * - CHARGE_BACK (DDICA): PAID_OUT → CHARGED_BACK.
 * A walk through submission needs an ACTIVE mandate, as the processor's does: Bacs only takes a
 * debit under a live instruction, and a bank can only return a debit it was sent. Otherwise
 * FAILED_PRECONDITION MANDATE_NOT_ACTIVE.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { lockForChange } from "../../platform/db/lock-for-change.js";
import type { AlertEvaluator } from "../alerts/alert-evaluator.js";
import { Collection } from "../collections/collection.entity.js";
import type { CollectionStateName } from "../collections/collection-lifecycle.js";
import { applyCollectionStateChange } from "../collections/collection-state-change.js";
import { FailedPreconditionError, NotFoundError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import { Mandate } from "../mandates/mandate.entity.js";
import { aruddReasons, ddicaReasons, defaultAruddReason, defaultDdicaReason } from "./collection-reason-codes.js";
import {
  assertScenarioAllowed,
  checkScenarioRequest,
  type ReasonCodes,
  type ScenarioAsk,
  type ScenarioRules,
} from "./scenario-checks.js";

/** CollectionScenarioName is a CollectionScenario without its prefix. */
export type CollectionScenarioName = "PAY" | "FAIL" | "LATE_FAIL" | "CHARGE_BACK";

const arudd: ReasonCodes = { meanings: aruddReasons, report: "an ARUDD", fallback: defaultAruddReason };

/** collectionScenarios are where each scenario may start (sandbox.proto) and the Bacs codes it reports. */
export const collectionScenarios: ScenarioRules<CollectionScenarioName, CollectionStateName> = {
  resource: "collection",
  allowedStates: {
    PAY: ["PENDING_SUBMISSION", "SUBMITTED", "CONFIRMED"],
    FAIL: ["PENDING_SUBMISSION", "SUBMITTED"],
    LATE_FAIL: ["CONFIRMED", "PAID_OUT"],
    CHARGE_BACK: ["PAID_OUT"],
  },
  reasonCodes: {
    FAIL: arudd,
    LATE_FAIL: arudd,
    CHARGE_BACK: { meanings: ddicaReasons, report: "a DDICA", fallback: defaultDdicaReason },
  },
};

/** CollectionSimulator plays collection scenarios for sandbox organisations. */
export class CollectionSimulator {
  constructor(
    private readonly clock: Clock,
    private readonly alerts: AlertEvaluator,
  ) {}

  /**
   * simulate plays the asked scenario on the caller's collection `asked.id` (`em` is the request's tenant-scoped
   * EntityManager) and returns the collection afterwards. Refusals, cheapest first: live
   * organisation (FAILED_PRECONDITION SANDBOX_ONLY), bad arguments (INVALID_ARGUMENT), unknown
   * collection (NOT_FOUND), a state the scenario does not start from (FAILED_PRECONDITION
   * COLLECTION_SCENARIO_NOT_ALLOWED), a submission under a mandate that is not ACTIVE.
   */
  async simulate(em: EntityManager, acting: Acting, asked: ScenarioAsk<CollectionScenarioName>): Promise<Collection> {
    const { id } = asked;
    const reason = checkScenarioRequest(collectionScenarios, acting, asked);
    const now = this.clock.now();
    return em.transactional(async (tx) => {
      const collection = await tx.findOne(Collection, { id }, lockForChange());
      if (!collection) throw new NotFoundError("collection", id);
      assertScenarioAllowed(collectionScenarios, id, collection.state, reason.scenario);
      const move = (to: CollectionStateName, description: string, code?: string) =>
        applyCollectionStateChange(
          tx,
          collection,
          to,
          { description: `Sandbox: ${description}`, reasonCode: code },
          now,
        );
      if (collection.state === "PENDING_SUBMISSION") {
        const mandate = await tx.findOneOrFail(Mandate, { id: collection.mandate.id }, { fields: ["id", "state"] });
        if (mandate.state !== "ACTIVE") {
          throw new FailedPreconditionError(
            "MANDATE_NOT_ACTIVE",
            `collection ${id} cannot be submitted: its mandate ${mandate.id} is ${mandate.state}`,
            {
              mandate_state: mandate.state,
            },
          );
        }
        move("SUBMITTED", "submitted to Bacs");
      }
      if (reason.scenario === "PAY") {
        if (collection.state === "SUBMITTED") move("CONFIRMED", "the payer's account was debited");
        move("PAID_OUT", "the funds were paid out");
      } else if (reason.scenario === "CHARGE_BACK") {
        move("CHARGED_BACK", `DDICA ${reason.code}: ${ddicaReasons[reason.code]}`, reason.code);
      } else {
        const late = reason.scenario === "LATE_FAIL" ? "late " : "";
        move("FAILED", `${late}ARUDD ${reason.code}: ${aruddReasons[reason.code]}`, reason.code);
      }
      recordAudit(tx, {
        organisationId: acting.organisationId,
        actor: acting.actor,
        action: "collection.simulate",
        target: id,
        outcome: "success",
        time: now,
      });
      await this.alerts.collectionOutcome(tx, collection);
      return collection;
    });
  }
}
