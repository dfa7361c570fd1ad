/**
 * plain-date.ts: calendar dates as "YYYY-MM-DD" strings with pure integer day arithmetic.
 *
 * Bacs dates are calendar days in the UK: a charge date has no time and no time zone, so nothing
 * here touches `Date`, the local zone or UTC offsets. Day numbers count days since 1970-01-01 in the
 * proleptic Gregorian calendar (Howard Hinnant's days_from_civil / civil_from_days).
 */

/** IsoDate is a calendar date written "YYYY-MM-DD" (ISO 8601 extended, no time, no zone). */
export type IsoDate = string;

/** Weekday numbers as `Date#getUTCDay` has them: 0 is Sunday, 6 is Saturday. */
export const SUNDAY = 0;
export const MONDAY = 1;
export const FRIDAY = 5;
export const SATURDAY = 6;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** isLeapYear says whether February of `year` has 29 days (Gregorian rule). */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** daysInMonth gives the number of days in `month` (1–12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** isIsoDate says whether `value` is a real calendar date written "YYYY-MM-DD" (year 0001–9999). */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** parseIsoDate splits a "YYYY-MM-DD" date into numbers; it throws RangeError on anything else. */
export function parseIsoDate(date: IsoDate): { year: number; month: number; day: number } {
  if (!isIsoDate(date)) throw new RangeError(`not a calendar date "YYYY-MM-DD": ${JSON.stringify(date)}`);
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

/** formatIsoDate writes year, month (1–12) and day as "YYYY-MM-DD"; it throws RangeError if that is no date. */
export function formatIsoDate(year: number, month: number, day: number): IsoDate {
  const date = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  if (!Number.isInteger(year) || !isIsoDate(date)) throw new RangeError(`no such date: ${year}-${month}-${day}`);
  return date;
}

/** toDayNumber counts the days from 1970-01-01 to `date` (negative before it). */
export function toDayNumber(date: IsoDate): number {
  const { year, month, day } = parseIsoDate(date);
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** fromDayNumber is the inverse of toDayNumber. */
export function fromDayNumber(dayNumber: number): IsoDate {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return formatIsoDate(yoe + era * 400 + (month <= 2 ? 1 : 0), month, day);
}

/** addDays moves `date` by `days` calendar days (negative moves back). */
export function addDays(date: IsoDate, days: number): IsoDate {
  if (!Number.isInteger(days)) throw new RangeError(`days must be an integer, got ${days}`);
  return fromDayNumber(toDayNumber(date) + days);
}

/** dayOfWeek gives 0 (Sunday) to 6 (Saturday); 1970-01-01 was a Thursday. */
export function dayOfWeek(date: IsoDate): number {
  return (((toDayNumber(date) + 4) % 7) + 7) % 7;
}

/** isWeekend says whether `date` is a Saturday or a Sunday. */
export function isWeekend(date: IsoDate): boolean {
  const weekday = dayOfWeek(date);
  return weekday === SATURDAY || weekday === SUNDAY;
}

/** maxDate is the later of two dates ("YYYY-MM-DD" strings compare in calendar order). */
export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}
