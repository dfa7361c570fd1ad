/**
 * check-each.ts runs one check per item and reports every failure together. Tests that walk a list
 * of RPCs in one `it` use it, so a red run names every RPC that broke, not only the first.
 */

/** checkEach awaits check for each item in turn and throws one error listing all failures. */
export async function checkEach<T>(items: readonly T[], check: (item: T) => Promise<void>): Promise<void> {
  if (items.length === 0)
    throw new Error("checkEach: nothing to check (the contract lost the RPCs this test is about?)");
  const failures: string[] = [];
  for (const item of items) {
    try {
      await check(item);
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} of ${items.length} failed:\n\n${failures.join("\n\n")}`);
}
