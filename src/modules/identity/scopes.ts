/**
 * scopes.ts names the six scopes and what each role holds. The contract's Scope enum carries the same
 * names (a test keeps the two equal); the domain keeps its own list so services never import gen/.
 */

/** The six scopes an API key can hold. */
export const scopeNames = [
  "mandates:read",
  "mandates:write",
  "collections:read",
  "alerts:read",
  "alerts:write",
  "reports:read",
] as const;

export type ScopeName = (typeof scopeNames)[number];
/** The three roles a user can have. */
export const roleNames = ["admin", "member", "viewer"] as const;
export type RoleName = (typeof roleNames)[number];

const readScopes: readonly ScopeName[] = scopeNames.filter((s) => s.endsWith(":read"));

/** roleScopes: admin and member hold all six, viewer the three read scopes. */
export const roleScopes: Readonly<Record<RoleName, ReadonlySet<string>>> = {
  admin: new Set(scopeNames),
  member: new Set(scopeNames),
  viewer: new Set(readScopes),
};

/** isRoleName tells a stored role string apart from anything else. */
export function isRoleName(value: string): value is RoleName {
  return (roleNames as readonly string[]).includes(value);
}

/** unknownScopes returns the names that are not scopes, in the order given. */
export function unknownScopes(names: readonly string[]): string[] {
  const known = new Set<string>(scopeNames);
  return names.filter((name) => !known.has(name));
}
