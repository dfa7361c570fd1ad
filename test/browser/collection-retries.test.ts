/**
 * Presenting a failed collection again from the Collections page, in real Chromium against a real
 * server, in a sandbox organisation: a member sees Retry on a collection returned with reason code 0
 * (not on one returned with another code), asks for a date before the notice period allows and
 * reads the refusal next to the Charge date field, then leaves the date empty for the earliest; the
 * collection is pending submission again, retried once of twice. axe-core and a screenshot per state.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtWebAssets, checked, launchBrowser, signedIn } from "../support/browser.js";
import { createSchedule, type Staff, withAdmin } from "../support/collections.js";
import { newApiKey, newOrganisation } from "../support/fixtures.js";
import { mandateIn, rest } from "../support/mandates.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let browser: Browser;
let staff: Staff;

beforeAll(async () => {
  server = await startTestServer({ webAssets: await builtWebAssets() });
  browser = await launchBrowser();
  const organisationId = await newOrganisation(server, true);
  staff = await withAdmin(server, { organisationId, secret: (await newApiKey(server, organisationId)).secret });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const today = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date());

/** failedCollection is a one-payment schedule's collection of `amountMinor`, returned with `reasonCode`. */
async function failedCollection(amountMinor: string, reasonCode: string): Promise<string> {
  const mandate = await mandateIn(server, staff, "ACTIVE");
  const schedule = await createSchedule(server, staff, {
    mandate_id: mandate.id,
    amount_minor: amountMinor,
    interval_unit: "INTERVAL_UNIT_WEEKLY",
    start_date: today(),
    count: 1,
  });
  const listed = await rest(server, "GET", `/v1/collections?schedule_id=${schedule.id}`, staff.secret);
  const id = listed.body.collections[0].id as string;
  const failed = await rest(server, "POST", `/v1/sandbox/collections/${id}:simulate`, staff.secret, {
    scenario: "COLLECTION_SCENARIO_FAIL",
    reason_code: reasonCode,
  });
  expect(failed.status).toBe(200);
  return id;
}

/** describedText is what a screen reader reads with a field: the texts its aria-describedby names. */
async function describedText(page: Page, field: ReturnType<Page["getByRole"]>): Promise<string> {
  const ids = ((await field.getAttribute("aria-describedby")) ?? "").split(" ").filter(Boolean);
  return (await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()))).join(" ");
}

describe("retrying a failed collection", () => {
  it("offers Retry for a code 0 return only, shows a refused date next to the field, and presents it again", async () => {
    const id = await failedCollection("43210", "0");
    await failedCollection("12345", "6");
    const page = await signedIn(browser, server, staff.organisationId, "member");
    await page.getByRole("navigation").getByRole("link", { name: "Collections" }).click();
    await page.getByRole("heading", { name: "Collections", level: 1 }).waitFor();
    const table = page.getByRole("table", { name: "Collections", exact: true });
    const row = table.getByRole("row").filter({ hasText: "£432.10" });
    const other = table.getByRole("row").filter({ hasText: "£123.45" });
    await expect.poll(() => row.textContent()).toContain("Reason code 0");
    await expect.poll(() => other.textContent()).toContain("Reason code 6");
    expect(await other.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await checked(page, "collections-retry-offered");

    await row.getByRole("button", { name: "Retry" }).click();
    const dialog = page.getByRole("dialog", { name: "Retry collection" });
    const date = dialog.getByRole("textbox", { name: "Charge date" });
    expect(await describedText(page, date)).toContain("Leave empty for the earliest date allowed");
    await date.fill(today());
    await dialog.getByRole("button", { name: "Retry collection" }).click();
    await expect.poll(() => date.getAttribute("aria-invalid")).toBe("true");
    expect(await describedText(page, date)).toMatch(/is too early: .* so the earliest is \d{1,2} [A-Z][a-z]{2} \d{4}/);
    await checked(page, "collections-retry-refused");

    await date.fill("");
    await dialog.getByRole("button", { name: "Retry collection" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => row.textContent()).toContain("Pending submission");
    expect(await row.textContent()).toContain("Presented again 1 of 2");
    expect(await row.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await checked(page, "collections-retried");

    const read = await rest(server, "GET", `/v1/collections/${id}`, staff.secret);
    expect(read.body).toMatchObject({ state: "COLLECTION_STATE_PENDING_SUBMISSION", retryCount: 1 });
    await page.context().close();
  });
});
