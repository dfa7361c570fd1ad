/**
 * dates.ts handles the contract's calendar dates ("YYYY-MM-DD", Europe/London): today's date as the
 * service counts it, and a date as a UK office reads it.
 */

const londonIso = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" });
// The date is a calendar date, not an instant: read it as midnight UTC and write it in UTC, so no
// time zone moves it to the day before.
const readable = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const weekday = new Intl.DateTimeFormat("en-GB", { weekday: "long", timeZone: "UTC" });

/** londonToday is today's date in Europe/London, "2026-12-07": the earliest start date allowed. */
export function londonToday(now = new Date()): string {
  return londonIso.format(now);
}

/** calendarDay writes "2026-12-07" as "7 Dec 2026"; empty stays the fallback. */
export function calendarDay(iso: string, fallback = "—"): string {
  return iso ? readable.format(new Date(`${iso}T00:00:00Z`)) : fallback;
}

/** weekdayOf is the weekday of a calendar date: "Monday". */
export function weekdayOf(iso: string): string {
  return weekday.format(new Date(`${iso}T00:00:00Z`));
}

/** shiftMonths moves a YYYY-MM-DD date by whole months (the day clamped to the month's length). */
export function shiftMonths(date: string, months: number): string {
  const [y = 0, m = 1, d = 1] = date.split("-").map(Number);
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}
