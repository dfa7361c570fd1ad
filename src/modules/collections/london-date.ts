/**
 * london-date.ts turns an instant into the Bacs calendar date: the date in Europe/London, where
 * Bacs runs. The day starts at local midnight (BST or GMT), not at UTC midnight.
 */
import type { IsoDate } from "./plain-date.js";

const londonFormat = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit" });

/** londonDate is the `YYYY-MM-DD` date in Europe/London at `instant`. */
export function londonDate(instant: Date): IsoDate {
  // en-CA formats as YYYY-MM-DD; formatToParts keeps it independent of that convention anyway.
  const parts = Object.fromEntries(londonFormat.formatToParts(instant).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}
