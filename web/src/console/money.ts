/**
 * money.ts converts between what staff type and read (pounds, "1,250.50") and the contract's
 * amount_minor (pence, int64). Exact integers throughout: 1250.50 × 100 in floating point is not
 * always 125050, and a rent collected a penny short is a real problem.
 */

const groups = new Intl.NumberFormat("en-GB");

/** pounds writes pence as "£1,250.50" (a refund or correction as "-£12.00"). */
export function pounds(amountMinor: bigint): string {
  const sign = amountMinor < 0n ? "-" : "";
  const abs = amountMinor < 0n ? -amountMinor : amountMinor;
  return `${sign}£${groups.format(abs / 100n)}.${String(abs % 100n).padStart(2, "0")}`;
}

/** money writes an amount in its currency: pounds for GBP (the only one today), else minor units. */
export function money(amountMinor: bigint, currency: string): string {
  return currency === "" || currency === "GBP" ? pounds(amountMinor) : `${amountMinor} ${currency} (minor units)`;
}

/**
 * penceOf reads an amount in pounds ("1250.50", "£1,250.5", "12") as pence, or undefined when it is
 * not a non-negative amount with at most two decimal places.
 */
export function penceOf(text: string): bigint | undefined {
  const match = /^£?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const whole = BigInt(match[1]!.replaceAll(",", ""));
  const fraction = BigInt((match[2] ?? "").padEnd(2, "0"));
  return whole * 100n + fraction;
}

/** poundsInput is pence as the amount field shows it for editing: "1250.50". */
export function poundsInput(amountMinor: bigint): string {
  return `${amountMinor / 100n}.${String(amountMinor % 100n).padStart(2, "0")}`;
}
