/** csv.ts turns a report's rows into a CSV file the browser downloads (RFC 4180 quoting). */

/** downloadCsv saves rows (the first is the header) as `<name>.csv`. */
export function downloadCsv(name: string, rows: readonly (readonly (string | number)[])[]): void {
  const text = rows.map((row) => row.map(cell).join(",")).join("\r\n");
  const url = URL.createObjectURL(new Blob([`${text}\r\n`], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = `${name}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function cell(value: string | number): string {
  const text = String(value);
  // A leading =, +, -, @, tab or carriage return would run as a formula in a spreadsheet: mark it text.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === "string" ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
