/**
 * mandate-invite.handlers.ts serves MandateInviteService, the one mandate RPC without a caller: the
 * invite token in the request is the payer's only credential (the contract marks it public). The
 * answer shows the payer what they agreed to, and no ids or metadata of the organisation.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  CompleteMandateInviteResponseSchema,
  MandateInviteSchema,
  MandateInviteService,
  MandateState,
} from "../../../gen/dd/v1/mandates_pb.js";
import type { PayerInvites } from "../../modules/mandates/payer-invites.js";
import { kRequestInfo, requireEntityManager } from "../../rpc/context.js";
import { bankAccountToProto } from "./mandate.mapper.js";

/** registerMandateInviteService serves MandateInviteService: the payer reads and completes their invite. */
export function registerMandateInviteService(router: ConnectRouter, invites: PayerInvites): void {
  router.service(MandateInviteService, {
    async getMandateInvite(req, ctx) {
      const shown = await invites.show(await requireEntityManager(ctx), req.inviteToken);
      return create(MandateInviteSchema, {
        ...shown,
        serviceUserNumber: shown.serviceUserNumber ?? "",
        bacsDisplayName: shown.bacsDisplayName ?? "",
        expireTime: timestampFromDate(shown.expireTime),
      });
    },
    async completeMandateInvite(req, ctx) {
      const { mandate, organisationName } = await invites.complete(
        await requireEntityManager(ctx),
        req.inviteToken,
        {
          accountHolderName: req.accountHolderName,
          sortCode: req.sortCode,
          accountNumber: req.accountNumber,
          accountHolderConfirmed: req.accountHolderConfirmed,
        },
        ctx.values.get(kRequestInfo)?.clientAddress,
      );
      return create(CompleteMandateInviteResponseSchema, {
        mandateReference: mandate.reference,
        state: MandateState[mandate.state],
        organisationName,
        bankAccount: bankAccountToProto(mandate),
      });
    },
  });
}
