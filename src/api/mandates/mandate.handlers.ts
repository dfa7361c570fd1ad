/**
 * mandate.handlers.ts serves MandateService: translate the request, call MandateRegistry (records),
 * PayerInvites (resend) or MandateTransitions (state changes), translate the answer. Access (the
 * mandates:read / mandates:write scopes) is declared in the contract and checked by the chain; the
 * EntityManager is the request's tenant-scoped one.
 */
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/postgresql";
import { type Mandate as MandateMessage, MandateService } from "../../../gen/dd/v1/mandates_pb.js";
import { InvalidArgumentError } from "../../modules/errors.js";
import type { Acting } from "../../modules/identity/acting.js";
import type { Mandate } from "../../modules/mandates/mandate.entity.js";
import type { MandateRegistry, NewMandate } from "../../modules/mandates/mandate-registry.js";
import type { MandateTransitions } from "../../modules/mandates/mandate-transitions.js";
import type { PayerInvites } from "../../modules/mandates/payer-invites.js";
import { requireEntityManager, requireWriter } from "../../rpc/context.js";
import { isIdOf, nextPageToken, readPage } from "../../rpc/pagination.js";
import { readEnumFilter } from "../../rpc/request-values.js";
import { mandateToProto, stateFromProto } from "./mandate.mapper.js";
import type { MandateDating } from "./mandate-dating.js";

/**
 * plain returns `value` unless it holds a NUL character. PostgreSQL cannot compare text with NUL in
 * it (it fails the query, which would answer INTERNAL), and no id, reference or email has one.
 */
function plain(field: string, value: string): string {
  if (value.includes("\u0000")) throw InvalidArgumentError.field(field, "must not contain NUL characters");
  return value;
}

function fieldsOf(mandate: MandateMessage | undefined): NewMandate {
  return {
    reference: mandate?.reference ?? "",
    payerName: mandate?.payer?.name ?? "",
    payerEmail: mandate?.payer?.email ?? "",
    metadata: mandate?.metadata ?? {},
  };
}

// Mandates are listed newest first by id, so a page token holds the id of the page's last one.
const mandateCursor = { id: isIdOf("MD") };

/** MandateServices are the domain services MandateService calls. */
export interface MandateServices {
  mandates: MandateRegistry;
  invites: PayerInvites;
  transitions: MandateTransitions;
}

/**
 * registerMandateService serves MandateService with the given services. `dating` dates
 * next_possible_charge_date; make it with the services' clock so both agree on today.
 */
export function registerMandateService(
  router: ConnectRouter,
  { mandates, invites, transitions }: MandateServices,
  dating: MandateDating,
): void {
  const toProto = async (mandate: Mandate, ctx: HandlerContext) => mandateToProto(mandate, await dating(ctx));
  // The RPCs that act on one mandate with a free-text reason (cancel, suspend, reactivate, resend).
  const withReason =
    (action: (em: EntityManager, acting: Acting, id: string, reason: string) => Promise<Mandate>) =>
    async (req: { mandateId: string; reason: string }, ctx: HandlerContext) => {
      const id = plain("mandate_id", req.mandateId);
      const { em, acting } = await requireWriter(ctx);
      return toProto(await action(em, acting, id, req.reason), ctx);
    };
  router.service(MandateService, {
    async createMandate(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      return toProto(await mandates.create(em, acting, fieldsOf(req.mandate)), ctx);
    },
    async getMandate(req, ctx) {
      return toProto(await mandates.get(await requireEntityManager(ctx), plain("mandate_id", req.mandateId)), ctx);
    },
    async listMandates(req, ctx) {
      const filter = {
        states: readEnumFilter(req.state, stateFromProto, "state"),
        reference: plain("reference", req.reference),
        payerEmail: plain("payer_email", req.payerEmail),
      };
      const fingerprint = {
        ...filter,
        reference: filter.reference.toUpperCase(),
        payerEmail: filter.payerEmail.toLowerCase(),
      };
      const page = readPage(ctx, req.pageSize, req.pageToken, fingerprint, mandateCursor);
      const found = await mandates.list(await requireEntityManager(ctx), filter, page);
      const dated = await dating(ctx);
      return {
        mandates: found.items.map((row) => mandateToProto(row, dated)),
        nextPageToken: nextPageToken(ctx, found, fingerprint),
      };
    },
    async updateMandate(req, ctx) {
      const mask = req.updateMask?.paths;
      const update = { ...fieldsOf(req.mandate), id: plain("mandate.id", req.mandate?.id ?? ""), mask };
      const { em, acting } = await requireWriter(ctx);
      return toProto(await mandates.update(em, acting, update), ctx);
    },
    cancelMandate: withReason((...args) => transitions.cancel(...args)),
    suspendMandate: withReason((...args) => transitions.suspend(...args)),
    reactivateMandate: withReason((...args) => transitions.reactivate(...args)),
    resendMandateInvite: withReason((...args) => invites.resend(...args)),
  });
}
