/** TimeoutError is what withTimeout rejects with, so callers can tell a slow peer from a failing one. */
export class TimeoutError extends Error {}

/**
 * withTimeout settles as the promise does, or rejects with TimeoutError if it has not settled after ms.
 * When the timer fires, a reply that arrived while the event loop was busy has not been processed yet;
 * one setImmediate lets it run first, so CPU load alone is not mistaken for a peer that did not answer
 * (which would send rate-limit and throttle counts to the in-process fallback, each replica counting
 * for itself). The timer is cleared once the promise settles.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, peer: string): Promise<T> {
  let settled = false;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => setImmediate(() => settled || reject(new TimeoutError(`${peer} did not answer within ${ms} ms`))),
      ms,
    );
    promise.then(
      (value) => {
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
