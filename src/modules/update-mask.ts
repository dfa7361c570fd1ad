/**
 * update-mask.ts reads an Update request's update_mask the way every Update RPC of the contract
 * does (AIP-134): the named paths, "*" for every path, or, with no mask, every field the request
 * sets.
 */
import type { FieldViolation } from "./errors.js";

/**
 * resolveUpdateMask returns the paths an update changes. `allowed` lists the paths the RPC accepts,
 * in the order "*" and an absent mask return them; `isSet` tells, for an absent (or empty) mask,
 * whether the request sets a path. An unknown path adds an `update_mask` violation naming it and
 * the allowed ones.
 */
export function resolveUpdateMask<Path extends string>(
  mask: readonly string[] | undefined,
  allowed: readonly Path[],
  isSet: (path: Path) => boolean,
  violations: FieldViolation[],
): Set<Path> {
  if (mask === undefined || mask.length === 0) return new Set(allowed.filter(isSet));
  const known = new Set<string>(allowed);
  const paths = new Set<Path>();
  for (const path of mask) {
    if (path === "*") for (const p of allowed) paths.add(p);
    else if (known.has(path)) paths.add(path as Path);
    else
      violations.push({
        field: "update_mask",
        description: `path "${path.slice(0, 100)}" cannot be updated; allowed: ${allowed.join(", ")}`,
      });
  }
  return paths;
}
