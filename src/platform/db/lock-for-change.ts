import { LockMode } from "@mikro-orm/core";

/**
 * lockForChange is the find options of a row about to change: locked (FOR UPDATE) until the
 * transaction ends, so writers of one row take turns. A function, not a shared object, as MikroORM
 * writes into the options it is given (populate hints).
 */
export const lockForChange = () => ({ lockMode: LockMode.PESSIMISTIC_WRITE }) as const;
