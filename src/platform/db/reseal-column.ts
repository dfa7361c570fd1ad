/**
 * reseal-column.ts is the walk a key rotation makes over one sealed column (account numbers, TOTP
 * secrets): every organisation's rows (the named "key rotation" path across the tenant wall) in id
 * order, one batch a transaction, so a large table is never locked or held in memory at once. Each
 * value is written back only if it is still the one read: a change in between wins, and is sealed
 * under the current key anyway. Running it again changes nothing.
 */
import type { EntityName, MikroORM } from "@mikro-orm/postgresql";
import { crossTenantFork } from "./tenant-session.js";

/** Resealing counts what a walk found and did. */
export interface Resealing {
  /** Rows holding a value. */
  scanned: number;
  /** Values sealed anew under the current key. */
  resealed: number;
  /** Values already under the current key. */
  alreadyCurrent: number;
  /** Values that changed or went between read and write. */
  changedMeanwhile: number;
  /** Ids of rows whose value opens under no configured key; left as they are. */
  unreadable: string[];
}

/** Sealer tells a value under the current key and seals one anew (throwing when it cannot open it). */
export interface Sealer {
  isCurrent(sealed: string, rowId: string): boolean;
  reseal(sealed: string, rowId: string): string;
}

/** resealColumn re-seals every non-null `column` of `entity` not yet under the sealer's current key. */
export async function resealColumn<T extends { id: string }>(options: {
  orm: MikroORM;
  entity: EntityName<T>;
  column: keyof T & string;
  sealer: Sealer;
  batchSize: number;
}): Promise<Resealing> {
  const { entity, column, sealer, batchSize } = options;
  const em = crossTenantFork(options.orm, "key rotation");
  const result: Resealing = { scanned: 0, resealed: 0, alreadyCurrent: 0, changedMeanwhile: 0, unreadable: [] };
  let after = "";
  for (;;) {
    const batch = await em.transactional(async (tx) => {
      // The entity and column vary, so the query is built untyped; the result is read as such.
      const rows = (await tx.find(entity, { id: { $gt: after }, [column]: { $ne: null } } as never, {
        fields: ["id", column] as never,
        orderBy: { id: "asc" } as never,
        limit: batchSize,
        filters: false,
      })) as unknown as Record<string, string>[];
      for (const row of rows) {
        const id = row.id!;
        const sealed = row[column]!;
        if (sealer.isCurrent(sealed, id)) {
          result.alreadyCurrent++;
          continue;
        }
        let resealed: string;
        try {
          resealed = sealer.reseal(sealed, id);
        } catch {
          result.unreadable.push(id);
          continue;
        }
        const written = await tx.nativeUpdate(
          entity,
          { id, [column]: sealed } as never,
          { [column]: resealed } as never,
          {
            filters: false,
          },
        );
        if (written === 1) result.resealed++;
        else result.changedMeanwhile++;
      }
      return rows.map((row) => row.id!);
    });
    em.clear();
    result.scanned += batch.length;
    if (batch.length < batchSize) return result;
    after = batch.at(-1)!;
  }
}
