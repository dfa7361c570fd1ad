/**
 * london-date.ts turns an instant into the Bacs calendar date: the date in Europe/London, where
 * Bacs runs. The day starts at local midnight (BST or GMT), not at UTC midnight.
 */
import { type IsoDate, isIsoDate } from "./plain-date.js";

const londonFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/London",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** londonDate is the `YYYY-MM-DD` date in Europe/London at `instant`. */
export function londonDate(instant: Date): IsoDate {
  // en-CA formats as YYYY-MM-DD; formatToParts keeps it independent of that convention anyway.
  const parts = Object.fromEntries(londonFormat.formatToParts(instant).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/**
 * londonMidnight is the instant the Europe/London day `date` starts: 00:00 GMT (UTC) in winter,
 * 00:00 BST (23:00 UTC the day before) in summer. UK clocks change at 01:00 UTC, never at local
 * midnight, so every day has exactly one midnight.
 */
export function londonMidnight(date: IsoDate): Date {
  if (!isIsoDate(date)) throw new RangeError(`not a calendar date "YYYY-MM-DD": ${JSON.stringify(date)}`);
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  const bstMidnight = new Date(utcMidnight - 3_600_000);
  return londonDate(bstMidnight) === date ? bstMidnight : new Date(utcMidnight);
}
