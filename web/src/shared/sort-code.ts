/** formatSortCode writes a 6-digit sort code as people read it: 200415 → 20-04-15. */
export function formatSortCode(sortCode: string): string {
  return sortCode.replace(/^(\d{2})(\d{2})(\d{2})$/, "$1-$2-$3");
}
