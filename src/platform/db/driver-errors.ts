/**
 * driver-errors.ts reads PostgreSQL's refusals off what the driver throws (MikroORM's wrappers keep
 * the driver's SQLSTATE as `code`), so that no layer above the database knows an error code.
 */

/**
 * PostgreSQL's answers to a NUL (U+0000) in text: as a query parameter the wire protocol refuses it
 * (08P01), in varchar or jsonb the server does (22021, 22P05).
 */
const nulRefusals: ReadonlySet<string> = new Set(["08P01", "22021", "22P05"]);

/**
 * isNulCharacterRefusal says whether the database refused a statement the way it refuses a NUL in
 * text. 08P01 is any protocol violation, of which a NUL parameter is the one we send: callers that
 * must be sure check their input for a NUL too.
 */
export function isNulCharacterRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && nulRefusals.has(code);
}
