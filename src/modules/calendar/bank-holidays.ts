/**
 * bank-holidays.ts: bank holidays in England and Wales, computed by rule for 2000–2100.
 *
 * Bacs runs on England-and-Wales working days: Scottish and Northern Irish bank holidays are not
 * Bacs non-processing days, so only this calendar matters to Direct Debit timing.
 *
 * The regular holidays follow fixed rules (Banking and Financial Dealings Act 1971 and the royal
 * proclamations made every year). The government also moves holidays or adds extra ones by
 * proclamation for one-off events (jubilees, royal weddings, a state funeral). Those cannot be
 * computed: they are listed in ONE_OFF_CHANGES, and a future one must be added there by hand as
 * soon as it is announced (usually months ahead, but the 2022 state funeral holiday came little more
 * than a week before the day).
 * The published list to check against is https://www.gov.uk/bank-holidays.
 */

import {
  addDays,
  dayOfWeek,
  FRIDAY,
  formatIsoDate,
  type IsoDate,
  MONDAY,
  parseIsoDate,
  SATURDAY,
  SUNDAY,
} from "./plain-date.js";

/** First and last years this calendar answers for; outside them it throws rather than guess. */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2100;

/** BankHoliday is one non-working day with the name gov.uk gives it. */
export interface BankHoliday {
  date: IsoDate;
  name: string;
}

/**
 * OneOffChange is a proclaimed exception to the rules: a regular holiday moved to another date,
 * or an extra holiday added.
 */
export type OneOffChange =
  | { kind: "moved"; name: string; from: IsoDate; to: IsoDate; reason: string }
  | { kind: "added"; name: string; date: IsoDate; reason: string };

/**
 * ONE_OFF_CHANGES lists every proclaimed exception from 2000 onwards. Add future ones here by hand
 * when the government announces them. (1995's VE-Day move of Early May to 8 May and the
 * 31 December 1999 millennium holiday are before FIRST_YEAR.)
 */
export const ONE_OFF_CHANGES: readonly OneOffChange[] = [
  { kind: "moved", name: "Spring bank holiday", from: "2002-05-27", to: "2002-06-04", reason: "Golden Jubilee" },
  { kind: "added", name: "Queen's Golden Jubilee", date: "2002-06-03", reason: "Golden Jubilee" },
  {
    kind: "added",
    name: "Royal wedding",
    date: "2011-04-29",
    reason: "Wedding of Prince William and Catherine Middleton",
  },
  { kind: "moved", name: "Spring bank holiday", from: "2012-05-28", to: "2012-06-04", reason: "Diamond Jubilee" },
  { kind: "added", name: "Queen's Diamond Jubilee", date: "2012-06-05", reason: "Diamond Jubilee" },
  {
    kind: "moved",
    name: "Early May bank holiday (VE day)",
    from: "2020-05-04",
    to: "2020-05-08",
    reason: "75th anniversary of VE Day",
  },
  { kind: "moved", name: "Spring bank holiday", from: "2022-05-30", to: "2022-06-02", reason: "Platinum Jubilee" },
  { kind: "added", name: "Platinum Jubilee bank holiday", date: "2022-06-03", reason: "Platinum Jubilee" },
  {
    kind: "added",
    name: "Bank Holiday for the State Funeral of Queen Elizabeth II",
    date: "2022-09-19",
    reason: "State funeral",
  },
  {
    kind: "added",
    name: "Bank holiday for the coronation of King Charles III",
    date: "2023-05-08",
    reason: "Coronation",
  },
];

/**
 * easterSunday computes Easter Sunday of `year` with the Anonymous Gregorian algorithm
 * (Meeus/Jones/Butcher). Good Friday and Easter Monday hang off it.
 */
export function easterSunday(year: number): IsoDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return formatIsoDate(year, month, day);
}

/** The first Monday on or after `date`. */
function mondayOnOrAfter(date: IsoDate): IsoDate {
  return addDays(date, (MONDAY - dayOfWeek(date) + 7) % 7);
}

/** The last Monday on or before `date`. */
function mondayOnOrBefore(date: IsoDate): IsoDate {
  return addDays(date, -((dayOfWeek(date) - MONDAY + 7) % 7));
}

/**
 * The regular holidays of `year` by rule alone. A fixed-date holiday falling on a weekend gets a
 * "substitute day" on the next weekday that is not already a holiday, which is why Christmas and
 * Boxing Day are worked out together.
 */
function ruleHolidays(year: number): BankHoliday[] {
  const y = (month: number, day: number) => formatIsoDate(year, month, day);
  const easter = easterSunday(year);
  const newYear = y(1, 1);
  const holidays: BankHoliday[] = [
    dayOfWeek(newYear) === SATURDAY || dayOfWeek(newYear) === SUNDAY
      ? { date: mondayOnOrAfter(newYear), name: "New Year's Day (substitute day)" }
      : { date: newYear, name: "New Year's Day" },
    { date: addDays(easter, -2), name: "Good Friday" },
    { date: addDays(easter, 1), name: "Easter Monday" },
    { date: mondayOnOrAfter(y(5, 1)), name: "Early May bank holiday" },
    { date: mondayOnOrBefore(y(5, 31)), name: "Spring bank holiday" },
    { date: mondayOnOrBefore(y(8, 31)), name: "Summer bank holiday" },
  ];
  switch (dayOfWeek(y(12, 25))) {
    case SATURDAY: // Both fall on the weekend: Monday and Tuesday stand in.
      holidays.push(
        { date: y(12, 27), name: "Christmas Day (substitute day)" },
        { date: y(12, 28), name: "Boxing Day (substitute day)" },
      );
      break;
    case SUNDAY: // Boxing Day keeps its Monday; Christmas moves to Tuesday.
      holidays.push(
        { date: y(12, 26), name: "Boxing Day" },
        { date: y(12, 27), name: "Christmas Day (substitute day)" },
      );
      break;
    case FRIDAY: // Friday Christmas: Boxing Day is a Saturday and moves to Monday 28th.
      holidays.push(
        { date: y(12, 25), name: "Christmas Day" },
        { date: y(12, 28), name: "Boxing Day (substitute day)" },
      );
      break;
    default:
      holidays.push({ date: y(12, 25), name: "Christmas Day" }, { date: y(12, 26), name: "Boxing Day" });
  }
  return holidays;
}

function applyOneOffChanges(year: number, holidays: BankHoliday[]): BankHoliday[] {
  const result = [...holidays];
  for (const change of ONE_OFF_CHANGES) {
    if (change.kind === "added") {
      if (parseIsoDate(change.date).year === year) result.push({ date: change.date, name: change.name });
      continue;
    }
    if (parseIsoDate(change.from).year !== year) continue;
    const index = result.findIndex((h) => h.date === change.from);
    // A move whose "from" is not a rule date means the table or the rules are wrong: fail loudly.
    if (index < 0) throw new Error(`one-off change moves ${change.from}, which is not a bank holiday by rule`);
    result[index] = { date: change.to, name: change.name };
  }
  return result.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

const byYear = new Map<number, { list: readonly BankHoliday[]; dates: ReadonlySet<IsoDate> }>();

function holidaysOf(year: number) {
  if (!Number.isInteger(year) || year < FIRST_YEAR || year > LAST_YEAR) {
    throw new RangeError(`bank holidays are known for ${FIRST_YEAR}–${LAST_YEAR} only, not ${year}`);
  }
  let entry = byYear.get(year);
  if (!entry) {
    const list = Object.freeze(applyOneOffChanges(year, ruleHolidays(year)).map((h) => Object.freeze(h)));
    entry = { list, dates: new Set(list.map((h) => h.date)) };
    byYear.set(year, entry);
  }
  return entry;
}

/**
 * bankHolidays lists the England-and-Wales bank holidays of `year` in date order, one-off changes
 * applied. It throws RangeError outside FIRST_YEAR–LAST_YEAR.
 */
export function bankHolidays(year: number): readonly BankHoliday[] {
  return holidaysOf(year).list;
}

/** isBankHoliday says whether `date` is an England-and-Wales bank holiday (RangeError outside 2000–2100). */
export function isBankHoliday(date: IsoDate): boolean {
  return holidaysOf(parseIsoDate(date).year).dates.has(date);
}
