/**
 * sandbox.handlers.ts serves SandboxService. Access is `authenticated` in the contract (any key or
 * session of the organisation); the simulator refuses live organisations. SimulateCollectionScenario
 * is not served yet (UNIMPLEMENTED): the collection outcomes belong to the collections module.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { MandateScenario, SandboxService } from "../../../gen/dd/v1/sandbox_pb.js";
import { actorOf } from "../identity/audit-log.js";
import { requireCaller, requireEntityManager } from "../../rpc/context.js";
import { mandateToProto } from "../mandates/mandate.mapper.js";
import type { MandateManager } from "../mandates/mandate.service.js";
import { MandateSimulator, type MandateScenarioName } from "./mandate-simulator.js";

const scenarioNames: Partial<Record<MandateScenario, MandateScenarioName>> = {
  [MandateScenario.ACTIVATE]: "ACTIVATE",
  [MandateScenario.FAIL]: "FAIL",
  [MandateScenario.CANCEL_BY_PAYER]: "CANCEL_BY_PAYER",
  [MandateScenario.EXPIRE]: "EXPIRE",
};

/** registerSandboxService serves SandboxService's mandate scenarios through the given manager. */
export function registerSandboxService(router: ConnectRouter, mandates: MandateManager): void {
  const simulator = new MandateSimulator(mandates);
  router.service(SandboxService, {
    async simulateMandateScenario(req, ctx) {
      const caller = requireCaller(ctx);
      const who = { organisationId: caller.organisationId, sandbox: caller.sandbox, actor: actorOf(caller.principal) };
      const mandate = await simulator.simulate(requireEntityManager(ctx), who, req.mandateId, scenarioNames[req.scenario], req.reasonCode);
      return mandateToProto(mandate);
    },
  });
}
