import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "./organisation.entity.js";

const p = defineEntity.properties;

/**
 * User is a person who signs in to an organisation with an email and password. Ids are `US…`.
 * Emails are unique across organisations (sign-in names no organisation) and stored lower-cased.
 * The password is kept only as a scrypt hash (password.ts); a user an admin added and who has not
 * followed their welcome link yet has none (noPassword, which no password matches). Changing the password, the role or
 * deactivating ends every session of the user (user-accounts.ts).
 */
export const User = defineEntity({
  name: "User",
  tableName: "app_user",
  filters: { ...tenantFilter },
  properties: {
    id: p.string().primary().length(ID_LENGTH),
    organisation: p.manyToOne(Organisation).ref(),
    email: p.string().length(254).unique(),
    displayName: p.string().length(200).default(""),
    passwordHash: p.string().length(200),
    /** admin | member | viewer (scopes.ts). */
    role: p.string().length(20),
    createTime: p.datetime(),
    updateTime: p.datetime(),
    /** Set when the user was deactivated: they can no longer sign in, and their sessions ended then. */
    deactivateTime: p.datetime().nullable(),
    /**
     * The TOTP secret, sealed (platform/secret-cipher.ts); never in clear, never logged. Set at enrolment;
     * it signs nobody in until totpEnableTime is set by a confirmed code.
     */
    totpSecret: p.string().length(200).nullable(),
    /** When a code confirmed the enrolment: from then on sign-in needs a TOTP code. */
    totpEnableTime: p.datetime().nullable(),
    /** The time step (unix seconds / 30) of the last code accepted: no code is accepted twice. */
    totpLastStep: p.integer().nullable(),
    /**
     * Wrong TOTP codes given at sign-in in a row, after a right password: at totpFailureLimit the
     * user's sign-in is locked until an operator clears it (session.service.ts). A right code sets
     * it back to 0. Only ever raised by one atomic UPDATE, never read, added and written back.
     */
    totpFailures: p.integer().default(0),
    /**
     * SHA-256 (hex) of the single-use token of the user's welcome link (platform/link-token.ts), while it
     * is unused: set by UserService.CreateUser, cleared when CompleteWelcome uses it or the user is
     * deactivated. Unique across organisations: the public CompleteWelcome finds it by digest alone.
     */
    welcomeTokenDigest: p.string().length(64).nullable().unique(),
    /** When the welcome link stops working (7 days after it was sent); cleared with the digest. */
    welcomeExpireTime: p.datetime().nullable(),
  },
});

/** User is the entity type that the `User` schema describes. */
export type User = InferEntity<typeof User>;
