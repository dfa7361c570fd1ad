/** ProblemBanner shows a failed call's message, with a retry when trying again can help. */
import type { Problem } from "./errors.js";

export function ProblemBanner({ problem, onRetry }: { problem: Problem | undefined; onRetry?: () => void }) {
  if (!problem) return null;
  return (
    <div className="banner banner-error" role="alert">
      {problem.message}
      {problem.retryable && onRetry && (
        <>
          {" "}
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </>
      )}
    </div>
  );
}
