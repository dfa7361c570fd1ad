/**
 * durations.ts reads the durations operators type: a whole number and one unit, `30s`, `15m`, `24h`,
 * `7d`. One unit only, so `1h30m` or `1.5h` are refused rather than half-understood.
 */

const unitSeconds = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const pattern = /^(\d{1,9})([smhd])$/;

/** DurationError says why a duration could not be read; ddctl reports it as a usage error. */
export class DurationError extends Error {
  constructor(text: string) {
    super(`"${text}" is not a duration: write a whole number and one unit, like 30s, 15m, 24h or 7d`);
    this.name = "DurationError";
  }
}

/** parseDuration returns the number of seconds `text` names (`0s` is 0); throws DurationError otherwise. */
export function parseDuration(text: string): number {
  const match = pattern.exec(text.trim());
  if (!match) throw new DurationError(text);
  const [, amount, unit] = match as unknown as [string, string, keyof typeof unitSeconds];
  return Number(amount) * unitSeconds[unit];
}
