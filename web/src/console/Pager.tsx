/**
 * Pager pages through a list with the contract's page tokens: it keeps the tokens of the pages seen,
 * so "Previous page" goes back without the service having to page backwards.
 */
import { useState } from "react";

/** usePages is the token of the page shown, and the moves from it; `restart` goes back to page one. */
export function usePages() {
  const [tokens, setTokens] = useState<string[]>([""]);
  return {
    pageToken: tokens[tokens.length - 1] ?? "",
    hasPrevious: tokens.length > 1,
    previous: () => setTokens(tokens.slice(0, -1)),
    next: (token: string) => setTokens([...tokens, token]),
    restart: () => setTokens([""]),
  };
}

/** Pager shows the page buttons when there is more than one page; `label` names the group. */
export function Pager({
  label,
  pages,
  nextPageToken,
}: {
  label: string;
  pages: ReturnType<typeof usePages>;
  nextPageToken: string | undefined;
}) {
  if (!pages.hasPrevious && !nextPageToken) return null;
  return (
    <fieldset className="pager">
      <legend className="visually-hidden">{label}</legend>
      <button type="button" disabled={!pages.hasPrevious} onClick={pages.previous}>
        Previous page
      </button>
      <button type="button" disabled={!nextPageToken} onClick={() => nextPageToken && pages.next(nextPageToken)}>
        Next page
      </button>
    </fieldset>
  );
}
