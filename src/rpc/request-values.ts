/**
 * request-values.ts reads the request values several services share the same way: repeated enum
 * filters and google.protobuf.Timestamp fields, refusing what no field accepts with INVALID_ARGUMENT
 * naming the field (rather than a 500 further down).
 */
import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import { InvalidArgumentError } from "../modules/errors.js";

/** Range of a google.protobuf.Timestamp: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. */
const minSeconds = -62_135_596_800n;
const maxSeconds = 253_402_300_799n;

/** readTimestamp converts a Timestamp field (undefined when absent); out of range it names `field`. */
export function readTimestamp(value: Timestamp | undefined, field: string): Date | undefined {
  if (!value) return undefined;
  if (value.seconds < minSeconds || value.seconds > maxSeconds || value.nanos < 0 || value.nanos > 999_999_999) {
    throw InvalidArgumentError.field(
      field,
      "must be a valid timestamp between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z",
    );
  }
  return timestampDate(value);
}

/**
 * readEnumFilter reads a repeated enum filter into stored names: known values only (UNSPECIFIED and
 * unknown numbers name `field`), distinct, sorted, so a page token's fingerprint of it is stable.
 */
export function readEnumFilter<V extends number, N extends string>(
  values: readonly V[],
  read: (value: V) => N | undefined,
  field: string,
): N[] {
  const names = new Set<N>();
  for (const value of values) {
    const name = read(value);
    if (!name) throw InvalidArgumentError.field(field, `${value} is not a valid ${field}`);
    names.add(name);
  }
  return [...names].sort();
}
