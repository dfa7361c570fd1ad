/** format.ts writes times and amounts the way a UK office reads them. */
import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";

const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });
const date = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium" });

/** when is a timestamp as "4 Dec 2026, 14:05", or the fallback when unset. */
export function when(ts: Timestamp | undefined, fallback = "—"): string {
  return ts ? dateTime.format(timestampDate(ts)) : fallback;
}

/** day is a timestamp's date only: "4 Dec 2026". */
export function day(ts: Timestamp | undefined, fallback = "—"): string {
  return ts ? date.format(timestampDate(ts)) : fallback;
}

/** ageInDays is how many whole days ago a timestamp was. */
export function ageInDays(ts: Timestamp | undefined, now = Date.now()): number {
  return ts ? Math.floor((now - timestampDate(ts).getTime()) / 86_400_000) : 0;
}

const londonDate = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" });

/** londonToday is today's date in London as YYYY-MM-DD, the calendar reports and charge dates use. */
export function londonToday(now = new Date()): string {
  return londonDate.format(now);
}

/** shiftMonths moves a YYYY-MM-DD date by whole months (the day clamped to the month's length). */
export function shiftMonths(date: string, months: number): string {
  const [y = 0, m = 1, d = 1] = date.split("-").map(Number);
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}
