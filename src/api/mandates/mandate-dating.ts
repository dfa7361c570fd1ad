/**
 * mandate-dating.ts gives the mappers what a mandate's next_possible_charge_date depends on beyond
 * the mandate: today (Europe/London, by the services' clock) and the caller's organisation's notice
 * period (cached for seconds; a miss is read in the request's own transaction).
 */
import type { HandlerContext } from "@connectrpc/connect";
import { londonDate } from "../../modules/calendar/london-date.js";
import type { OrganisationSettings } from "../../modules/identity/organisation-settings.js";
import type { Clock } from "../../platform/clock.js";
import { requireActing, requireEntityManager } from "../../rpc/context.js";
import type { ChargeDating } from "./mandate.mapper.js";

/** MandateDating makes the ChargeDating of a request. */
export type MandateDating = (ctx: HandlerContext) => Promise<ChargeDating>;

/** mandateDating dates mandates by `clock` and the organisation settings of the caller. */
export function mandateDating(clock: Clock, settings: OrganisationSettings): MandateDating {
  return async (ctx) => ({
    today: londonDate(clock.now()),
    noticeWorkingDays: await settings.advanceNoticeOf(
      requireActing(ctx).organisationId,
      await requireEntityManager(ctx),
    ),
  });
}
