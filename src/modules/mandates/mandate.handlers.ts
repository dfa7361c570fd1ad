/**
 * mandate.handlers.ts serves MandateService: translate the request, call MandateManager, translate
 * the answer. Access (the mandates:read / mandates:write scopes) is declared in the contract and
 * checked by the chain; the EntityManager is the request's tenant-scoped one.
 */
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { MandateService, type Mandate as MandateMessage } from "../../../gen/dd/v1/mandates_pb.js";
import { InvalidArgumentError } from "../errors.js";
import { actorOf } from "../identity/audit-log.js";
import { kRequestInfo, requireCaller, requireEntityManager } from "../../rpc/context.js";
import { nextPageToken, readPage } from "../../rpc/pagination.js";
import type { MandateStateName } from "./mandate-lifecycle.js";
import { mandateToProto, stateFromProto } from "./mandate.mapper.js";
import type { Acting, MandateManager, NewMandate } from "./mandate.service.js";

function acting(ctx: HandlerContext): Acting {
  const caller = requireCaller(ctx);
  return { organisationId: caller.organisationId, actor: actorOf(caller.principal), clientAddress: ctx.values.get(kRequestInfo)?.clientAddress };
}

function fieldsOf(mandate: MandateMessage | undefined): NewMandate {
  return {
    reference: mandate?.reference ?? "",
    payerName: mandate?.payer?.name ?? "",
    payerEmail: mandate?.payer?.email ?? "",
    metadata: mandate?.metadata ?? {},
  };
}

/** registerMandateService serves MandateService with the given manager. */
export function registerMandateService(router: ConnectRouter, mandates: MandateManager): void {
  router.service(MandateService, {
    async createMandate(req, ctx) {
      return mandateToProto(await mandates.create(requireEntityManager(ctx), acting(ctx), fieldsOf(req.mandate)));
    },
    async getMandate(req, ctx) {
      return mandateToProto(await mandates.get(requireEntityManager(ctx), req.mandateId));
    },
    async listMandates(req, ctx) {
      const states: MandateStateName[] = [];
      for (const value of req.state) {
        const state = stateFromProto(value);
        if (!state) throw InvalidArgumentError.field("state", `${value} is not a mandate state`);
        if (!states.includes(state)) states.push(state);
      }
      states.sort();
      const filter = { states, reference: req.reference, payerEmail: req.payerEmail };
      const fingerprint = { ...filter, reference: filter.reference.toUpperCase(), payerEmail: filter.payerEmail.toLowerCase() };
      const page = readPage(ctx, req.pageSize, req.pageToken, fingerprint);
      const { mandates: rows, hasMore } = await mandates.list(requireEntityManager(ctx), filter, page);
      return { mandates: rows.map(mandateToProto), nextPageToken: nextPageToken(ctx, rows, page, fingerprint, hasMore) };
    },
    async updateMandate(req, ctx) {
      const mask = req.updateMask?.paths;
      const update = { ...fieldsOf(req.mandate), id: req.mandate?.id ?? "", mask };
      return mandateToProto(await mandates.update(requireEntityManager(ctx), acting(ctx), update));
    },
    async cancelMandate(req, ctx) {
      return mandateToProto(await mandates.cancel(requireEntityManager(ctx), acting(ctx), req.mandateId, req.reason));
    },
    async suspendMandate(req, ctx) {
      return mandateToProto(await mandates.suspend(requireEntityManager(ctx), acting(ctx), req.mandateId, req.reason));
    },
    async reactivateMandate(req, ctx) {
      return mandateToProto(await mandates.reactivate(requireEntityManager(ctx), acting(ctx), req.mandateId, req.reason));
    },
    async resendMandateInvite(req, ctx) {
      return mandateToProto(await mandates.resendInvite(requireEntityManager(ctx), acting(ctx), req.mandateId, req.reason));
    },
  });
}
