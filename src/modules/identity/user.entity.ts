import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantFilter } from "../../platform/db/tenant-filter.js";
import { ID_LENGTH } from "../../platform/ids.js";
import { Organisation } from "./organisation.entity.js";

const p = defineEntity.properties;

/**
 * User is a person who signs in to an organisation with an email and password. Ids are `US…`.
 * Emails are unique across organisations (sign-in names no organisation) and stored lower-cased.
 * The password is kept only as a scrypt hash (password.ts).
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
  },
});

/** User is the entity type that the `User` schema describes. */
export type User = InferEntity<typeof User>;
