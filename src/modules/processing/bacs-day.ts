/**
 * bacs-day.ts says which Bacs calendar day an instant falls on. Bacs runs on UK civil dates, so an
 * instant is read in Europe/London (GMT in winter, BST in summer): 23:30 UTC on 30 June is already
 * 1 July for Bacs.
 */
import type { IsoDate } from "../collections/plain-date.js";

// en-CA formats a date as YYYY-MM-DD, the ISO form plain-date.ts uses.
const londonDate = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/London",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** bacsDateOf is the UK calendar date of `instant`, as YYYY-MM-DD. */
export function bacsDateOf(instant: Date): IsoDate {
  return londonDate.format(instant);
}
