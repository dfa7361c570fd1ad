/**
 * audit.handlers.ts serves AuditService: read the filters, list a page of the organisation's audit
 * log, translate it. Access (signed-in admins) is declared in the contract and checked by the chain.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { AuditService } from "../../../gen/dd/v1/audit_pb.js";
import { listAuditEvents } from "../../modules/identity/audit-trail.js";
import { requireEntityManager } from "../../rpc/context.js";
import { isIdOf, nextPageToken, readPage } from "../../rpc/pagination.js";
import { readTimestamp } from "../../rpc/request-values.js";
import { auditEventToProto } from "./identity.mapper.js";

// Events are listed newest first by id (which begins with the event's time): tokens hold the id.
const auditEventCursor = { id: isIdOf("AE") };

/** registerAuditService serves AuditService. */
export function registerAuditService(router: ConnectRouter): void {
  router.service(AuditService, {
    async listAuditEvents(req, ctx) {
      const filter = {
        actor: req.actor,
        action: req.action,
        since: readTimestamp(req.since, "since"),
        until: readTimestamp(req.until, "until"),
      };
      const page = readPage(ctx, req.pageSize, req.pageToken, filter, auditEventCursor);
      const found = await listAuditEvents(await requireEntityManager(ctx), filter, page);
      return { auditEvents: found.items.map(auditEventToProto), nextPageToken: nextPageToken(ctx, found, filter) };
    },
  });
}
