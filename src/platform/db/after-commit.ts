/**
 * after-commit.ts runs work once a transaction has committed: announcements to other replicas must
 * not go out while the change they announce can still roll back, or a replica that acts on one would
 * read the old row and keep it. Requests run in one transaction (rpc/interceptors/tenant-scope.ts), so
 * a service cannot tell when its flush becomes visible; it asks for `afterCommit` instead.
 */
import type { EventSubscriber, TransactionEventArgs } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Logger } from "pino";

type Work = () => Promise<void> | void;

/** A knex transaction; a nested one (a savepoint) knows its parent. */
interface Transaction {
  parentTransaction?: Transaction;
}

/** Work waiting for each top-level transaction to commit. Rolled back: dropped. */
const waiting = new WeakMap<Transaction, Work[]>();

/**
 * afterCommit runs `work` when the transaction `em` is in commits (the top-level one, if `em` is in a
 * savepoint), or at once when `em` is in none. It is dropped if the transaction rolls back.
 */
export async function afterCommit(em: EntityManager, work: Work): Promise<void> {
  let transaction = em.getTransactionContext<Transaction>();
  if (!transaction) return work();
  while (transaction.parentTransaction) transaction = transaction.parentTransaction;
  const list = waiting.get(transaction);
  if (list) list.push(work);
  else waiting.set(transaction, [work]);
}

/** AfterCommitSubscriber runs the waiting work; the commit (and so the answer) waits for it. */
export class AfterCommitSubscriber implements EventSubscriber {
  constructor(private readonly logger: Logger) {}

  async afterTransactionCommit({ transaction }: TransactionEventArgs): Promise<void> {
    const list = transaction ? waiting.get(transaction as Transaction) : undefined;
    if (!list) return;
    waiting.delete(transaction as Transaction);
    for (const work of list) {
      try {
        await work();
      } catch (error) {
        // The change is committed whatever this work does: report it, never undo the answer.
        this.logger.error({ err: error }, "work after a commit failed");
      }
    }
  }

  afterTransactionRollback({ transaction }: TransactionEventArgs): void {
    if (transaction) waiting.delete(transaction as Transaction);
  }
}
