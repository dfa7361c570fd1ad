/**
 * stored-name.ts reads a value of one of the contract's enums as the name the domain stores. The
 * generated enums drop the type's prefix (ALERT_STATE_ACTIVE is AlertState.ACTIVE), and the domain
 * stores exactly those names, so reading a value is looking its name up in the stored list.
 */

/**
 * storedNameOf reads `value` of the generated enum `protoEnum` as one of `names`: undefined for a
 * number the enum does not know (a newer client's) and for a name the domain does not store, which
 * includes UNSPECIFIED.
 */
export function storedNameOf<Name extends string>(
  protoEnum: Readonly<Record<number, string>>,
  value: number,
  names: readonly Name[],
): Name | undefined {
  const name: string | undefined = protoEnum[value];
  return names.find((n) => n === name);
}
