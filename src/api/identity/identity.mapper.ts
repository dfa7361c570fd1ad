/**
 * identity.mapper.ts turns identity entities into their contract messages. Secrets and hashes never
 * pass through here: the only secret that leaves the service is the one create and rotate return.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Role } from "../../../gen/dd/v1/access_pb.js";
import { type ApiKey as ApiKeyMessage, ApiKeySchema, ApiKeyState } from "../../../gen/dd/v1/api_keys_pb.js";
import { type AuditEvent as AuditEventMessage, AuditEventSchema } from "../../../gen/dd/v1/audit_pb.js";
import {
  type Session as SessionMessage,
  SessionSchema,
  type User as UserMessage,
  UserSchema,
  UserState,
} from "../../../gen/dd/v1/sessions_pb.js";
import type { ApiKey } from "../../modules/identity/api-key.entity.js";
import { type ApiKeyStateName, apiKeyState } from "../../modules/identity/api-key.service.js";
import type { AuditEvent } from "../../modules/identity/audit-event.entity.js";
import type { Organisation } from "../../modules/identity/organisation.entity.js";
import type { Session } from "../../modules/identity/session.entity.js";
import { totpEnrolmentRequired } from "../../modules/identity/session.service.js";
import type { User } from "../../modules/identity/user.entity.js";
import { type UserStateName, userState } from "../../modules/identity/user-state.js";

const states: Record<ApiKeyStateName, ApiKeyState> = {
  active: ApiKeyState.ACTIVE,
  expired: ApiKeyState.EXPIRED,
  revoked: ApiKeyState.REVOKED,
};

const roles: Record<string, Role> = { admin: Role.ADMIN, member: Role.MEMBER, viewer: Role.VIEWER };

const userStates: Record<UserStateName, UserState> = {
  active: UserState.ACTIVE,
  invited: UserState.INVITED,
  deactivated: UserState.DEACTIVATED,
};

/** roleName is the stored role a request's Role names; "" for ROLE_UNSPECIFIED or an unknown number. */
export function roleName(role: Role): string {
  return Object.entries(roles).find(([, value]) => value === role)?.[0] ?? "";
}

/** userToProto shows a user: never their password hash, TOTP secret or welcome token digest. */
export function userToProto(user: User): UserMessage {
  return create(UserSchema, {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: roles[user.role] ?? Role.UNSPECIFIED,
    state: userStates[userState(user)],
    totpEnabled: user.totpEnableTime !== null && user.totpEnableTime !== undefined,
    createTime: timestampFromDate(user.createTime),
    updateTime: timestampFromDate(user.updateTime),
    deactivateTime: user.deactivateTime ? timestampFromDate(user.deactivateTime) : undefined,
  });
}

/** auditEventToProto shows an audit row as it is stored. */
export function auditEventToProto(event: AuditEvent): AuditEventMessage {
  return create(AuditEventSchema, {
    id: event.id,
    actor: event.actor,
    action: event.action,
    target: event.target ?? "",
    outcome: event.outcome,
    clientAddress: event.clientAddress ?? "",
    count: event.count,
    createTime: timestampFromDate(event.createTime),
  });
}

/** apiKeyToProto shows a key without its secret; state is worked out at `now`. */
export function apiKeyToProto(key: ApiKey, now: Date): ApiKeyMessage {
  const state = states[apiKeyState(key, now)];
  return create(ApiKeySchema, {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    displayPrefix: key.displayPrefix,
    createTime: timestampFromDate(key.createTime),
    expireTime: key.expireTime ? timestampFromDate(key.expireTime) : undefined,
    revokeTime: key.revokeTime ? timestampFromDate(key.revokeTime) : undefined,
    lastUseTime: key.lastUseTime ? timestampFromDate(key.lastUseTime) : undefined,
    state,
    rotatedFrom: key.rotatedFrom ?? "",
    replacedBy: key.replacedBy ?? "",
    createdBy: key.createdBy,
    revokedBy: key.revokedBy ?? "",
  });
}

/** sessionToProto shows a session: who, which organisation, what they may do, until when. */
export function sessionToProto(
  session: Session,
  user: User,
  organisation: Organisation,
  scopes: Iterable<string>,
): SessionMessage {
  return create(SessionSchema, {
    id: session.id,
    user: userToProto(user),
    organisationId: organisation.id,
    organisationName: organisation.name,
    sandbox: organisation.sandbox,
    scopes: [...scopes],
    createTime: timestampFromDate(session.createTime),
    expireTime: timestampFromDate(session.expireTime),
    totpEnabled: user.totpEnableTime !== null && user.totpEnableTime !== undefined,
    totpEnrolmentRequired: totpEnrolmentRequired(user, organisation),
  });
}
