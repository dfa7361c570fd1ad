/**
 * invite-links.ts issues and voids a mandate's invite links and emails them to the payer. Issuing
 * supersedes every earlier open invite of the mandate, so only the newest link ever works.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { newId } from "../../platform/ids.js";
import { newLinkToken } from "../../platform/link-token.js";
import type { Mailer } from "../../platform/mail/mailer.js";
import type { Organisation } from "../identity/organisation.entity.js";
import { inviteEmail } from "./invite-email.js";
import type { Mandate } from "./mandate.entity.js";
import { MandateInvite } from "./mandate-invite.entity.js";

/** inviteLifetimeMs is how long an invite link works: 14 days. */
export const inviteLifetimeMs = 14 * 24 * 3600 * 1000;

/** IssuedInvite is a new invite and its token; the token exists only here and in the email. */
export interface IssuedInvite {
  invite: MandateInvite;
  token: string;
}

/** InviteLinks issues invites on a tenant-scoped EntityManager inside the caller's transaction. */
export class InviteLinks {
  constructor(
    private readonly mailer: Mailer,
    private readonly publicBaseUrl: string,
  ) {}

  /** issue voids the mandate's open invites and adds a new one; the caller flushes, then calls send. */
  async issue(em: EntityManager, mandate: Mandate, now: Date): Promise<IssuedInvite> {
    await this.supersede(em, mandate, now);
    const { token, digest } = newLinkToken();
    const invite = em.create(MandateInvite, {
      id: newId("MI", now.getTime()),
      organisation: mandate.organisation,
      mandate,
      tokenDigest: digest,
      createTime: now,
      expireTime: new Date(now.getTime() + inviteLifetimeMs),
      useTime: null,
      supersedeTime: null,
    });
    mandate.inviteExpireTime = invite.expireTime;
    return { invite, token };
  }

  /** supersede voids every open invite of the mandate (resend, cancel). */
  async supersede(em: EntityManager, mandate: Mandate, now: Date): Promise<void> {
    const open = await em.find(MandateInvite, { mandate: mandate.id, useTime: null, supersedeTime: null });
    for (const invite of open) invite.supersedeTime = now;
    mandate.inviteExpireTime = null;
  }

  /**
   * send emails the invite. Call it inside the transaction, after the flush: if the email cannot be
   * handed over, the transaction rolls back and the caller sees an error instead of a mandate whose
   * payer was never told.
   */
  async send(mandate: Mandate, organisation: Organisation, issued: IssuedInvite): Promise<void> {
    await this.mailer.send(
      inviteEmail({
        publicBaseUrl: this.publicBaseUrl,
        token: issued.token,
        payerName: mandate.payerName,
        payerEmail: mandate.payerEmail,
        organisationName: organisation.name,
        serviceUserNumber: organisation.serviceUserNumber ?? null,
        bacsDisplayName: organisation.bacsDisplayName ?? null,
        reference: mandate.reference,
        expireTime: issued.invite.expireTime,
      }),
    );
  }
}
