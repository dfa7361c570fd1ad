/**
 * Pager walks a list's pages with the service's page tokens: the tokens of the pages visited so far
 * are kept, so Previous goes back without the service having to page backwards.
 */
import { useState } from "react";

/** PageTokens is where a paged list is: the token of the current page, and how to move. */
export interface PageTokens {
  /** The page_token of the current page ("" for the first). */
  current: string;
  hasPrevious: boolean;
  previous(): void;
  next(token: string): void;
  /** restart goes back to the first page, for when the filters change. */
  restart(): void;
}

export function usePageTokens(): PageTokens {
  const [tokens, setTokens] = useState<string[]>([""]);
  return {
    current: tokens[tokens.length - 1] ?? "",
    hasPrevious: tokens.length > 1,
    previous: () => setTokens(tokens.slice(0, -1)),
    next: (token) => setTokens([...tokens, token]),
    restart: () => setTokens([""]),
  };
}

/** Pager shows Previous page / Next page; `nextPageToken` is the current answer's ("" on the last page). */
export function Pager({ pages, nextPageToken }: { pages: PageTokens; nextPageToken: string | undefined }) {
  return (
    <div className="pager">
      <button type="button" disabled={!pages.hasPrevious} onClick={pages.previous}>
        Previous page
      </button>
      <button type="button" disabled={!nextPageToken} onClick={() => nextPageToken && pages.next(nextPageToken)}>
        Next page
      </button>
    </div>
  );
}
