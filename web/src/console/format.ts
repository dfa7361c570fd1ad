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
