/**
 * dates-in-text.ts rewrites the contract's calendar dates inside the service's sentences as a UK
 * office reads them: "moved from 2027-01-04" reads "moved from 4 Jan 2027".
 */

// A date standing alone, not part of a reference or id such as REF-2026-12-27 (no lookbehind:
// Safari before 16.4 cannot parse one, and the payer page must load on older iPhones).
const isoDate = /(^|[^\w-])(\d{4}-\d{2}-\d{2})(?![\w-])/g;
// A contract date is a calendar date: read as midnight UTC and written in UTC, no zone moves it.
const ukDate = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

/** ukDatesIn writes every real YYYY-MM-DD date in `text` as "27 Dec 2026"; an impossible one stays as written. */
export function ukDatesIn(text: string): string {
  return text.replace(isoDate, (_, before: string, iso: string) => {
    const day = new Date(`${iso}T00:00:00Z`);
    // An impossible date (2026-02-30) may roll over to another day: left as it was written.
    const real = !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === iso;
    return before + (real ? ukDate.format(day) : iso);
  });
}
