/**
 * keyset-page.ts pages newest-first lists by keyset: a page starts after the last item of the page
 * before it, named by its cursor (the values of the list's order-by keys), never at an offset. A
 * page then costs one index range scan however deep it is, and items created between two pages
 * neither repeat nor get skipped.
 */
import type { EntityManager, EntityName, FilterQuery, QueryOrderMap } from "@mikro-orm/core";

/** PageRequest is which page a list wants: at most `size` items after `after` (from the start if undefined). */
export interface PageRequest<C> {
  size: number;
  after: C | undefined;
}

/** KeysetPage is one page of a list: its items, whether more follow, and the cursor of its last item. */
export interface KeysetPage<T, C> {
  items: T[];
  hasMore: boolean;
  /** Undefined only for an empty page. */
  cursor: C | undefined;
}

/** IdCursor is the cursor of a list ordered by id alone: ids begin with their create time. */
export interface IdCursor {
  id: string;
}

/** pageOf cuts rows in hand, in list order from the page's start, into one page of at most `size`. */
export function pageOf<T, C>(rows: readonly T[], size: number, cursorOf: (item: T) => C): KeysetPage<T, C> {
  const items = rows.slice(0, size);
  const last = items.at(-1);
  return { items, hasMore: rows.length > size, cursor: last === undefined ? undefined : cursorOf(last) };
}

/**
 * fetchPage runs a query for one page: `fetch` gets the row limit to apply, one more than the page
 * holds, which tells whether another page follows without a count. findPage runs it with em.find;
 * a list that must stay raw SQL runs it with its own query.
 */
export async function fetchPage<T, C>(
  size: number,
  fetch: (limit: number) => Promise<readonly T[]>,
  cursorOf: (item: T) => C,
): Promise<KeysetPage<T, C>> {
  if (!Number.isSafeInteger(size) || size < 1)
    throw new RangeError(`page size must be a positive integer, got ${size}`);
  return pageOf(await fetch(size + 1), size, cursorOf);
}

/**
 * findPage reads one page of `entity` matching `where`, ordered by `orderBy` descending (newest
 * first), after the cursor `after`. The last key must be unique (the id) so that the order is total
 * and no item sits on a page boundary twice. It queries through `em.find`, so the tenant filter
 * scopes the page as it does every other query.
 */
export async function findPage<T extends object, K extends keyof T & string>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<NoInfer<T>>,
  page: { orderBy: readonly K[]; size: number; after: Pick<T, K> | undefined },
): Promise<KeysetPage<T, Pick<T, K>>> {
  const { orderBy, size, after } = page;
  if (orderBy.length === 0) throw new Error("findPage needs at least one order-by key");
  const order = Object.fromEntries(orderBy.map((key) => [key, "desc"])) as QueryOrderMap<T>;
  const condition = after === undefined ? where : ({ $and: [where, keysetAfter(orderBy, after)] } as FilterQuery<T>);
  return fetchPage(
    size,
    async (limit) => (await em.find(entity, condition, { orderBy: order, limit })) as T[],
    (item) => pick(item, orderBy),
  );
}

/**
 * keysetAfter is the keyset condition "sorts after `cursor` in descending (k1, …, kn) order": k1 < v1, or
 * k1 = v1 and k2 < v2, and so on. With more than one key, k1 ≤ v1 comes first on its own: the
 * planner can bound an index scan on k1 with it, which it cannot do with the disjunction alone.
 */
function keysetAfter<T, K extends keyof T & string>(keys: readonly K[], cursor: Pick<T, K>): FilterQuery<T> {
  const branches = keys.map((key, index) => ({
    ...pick(cursor, keys.slice(0, index)),
    [key]: { $lt: cursor[key] },
  }));
  const [first] = keys as [K];
  if (branches.length === 1) return branches[0] as FilterQuery<T>;
  return { $and: [{ [first]: { $lte: cursor[first] } }, { $or: branches }] } as FilterQuery<T>;
}

function pick<T, K extends keyof T>(item: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, item[key]])) as Pick<T, K>;
}
