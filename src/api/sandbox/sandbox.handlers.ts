/**
 * sandbox.handlers.ts serves SandboxService. Access is `authenticated` in the contract (any key or
 * session of the organisation); the simulators refuse live organisations.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { CollectionScenario, MandateScenario, SandboxService } from "../../../gen/dd/v1/sandbox_pb.js";
import type { CollectionScenarioName, CollectionSimulator } from "../../modules/sandbox/collection-simulator.js";
import type { MandateScenarioName, MandateSimulator } from "../../modules/sandbox/mandate-simulator.js";
import { requireWriter } from "../../rpc/context.js";
import { collectionToProto } from "../collections/collection.mapper.js";
import { mandateToProto } from "../mandates/mandate.mapper.js";
import type { MandateDating } from "../mandates/mandate-dating.js";

const scenarioNames: Partial<Record<MandateScenario, MandateScenarioName>> = {
  [MandateScenario.ACTIVATE]: "ACTIVATE",
  [MandateScenario.FAIL]: "FAIL",
  [MandateScenario.CANCEL_BY_PAYER]: "CANCEL_BY_PAYER",
  [MandateScenario.EXPIRE]: "EXPIRE",
  [MandateScenario.TRANSFER]: "TRANSFER",
};

const collectionScenarioNames: Partial<Record<CollectionScenario, CollectionScenarioName>> = {
  [CollectionScenario.PAY]: "PAY",
  [CollectionScenario.FAIL]: "FAIL",
  [CollectionScenario.LATE_FAIL]: "LATE_FAIL",
  [CollectionScenario.CHARGE_BACK]: "CHARGE_BACK",
};

/** Simulators are the sandbox's two simulators, wired in app.ts. */
export interface Simulators {
  mandates: MandateSimulator;
  collections: CollectionSimulator;
}

/** registerSandboxService serves SandboxService; `dating` dates the mandates it shows. */
export function registerSandboxService(router: ConnectRouter, simulators: Simulators, dating: MandateDating): void {
  router.service(SandboxService, {
    async simulateMandateScenario(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const asked = { id: req.mandateId, scenario: scenarioNames[req.scenario], reasonCode: req.reasonCode };
      const newDetails = {
        sortCode: req.newSortCode,
        accountNumber: req.newAccountNumber,
        accountHolderName: req.newAccountHolderName,
      };
      const mandate = await simulators.mandates.simulate(em, acting, asked, newDetails);
      return mandateToProto(mandate, await dating(ctx));
    },
    async simulateCollectionScenario(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const asked = {
        id: req.collectionId,
        scenario: collectionScenarioNames[req.scenario],
        reasonCode: req.reasonCode,
      };
      return collectionToProto(await simulators.collections.simulate(em, acting, asked));
    },
  });
}
