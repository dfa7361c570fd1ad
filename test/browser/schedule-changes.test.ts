/**
 * Changing, pausing and resuming a schedule in the console, in real Chromium against a real server:
 * a member changes the amount (only the changed field goes in the update mask), sees a refused end
 * date next to its field, pauses the schedule after a confirmation (shown as Paused, with Resume
 * offered) and resumes it. Every dialog gets axe-core and a screenshot.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { londonDate } from "../../src/modules/calendar/london-date.js";
import { addDays } from "../../src/modules/calendar/plain-date.js";
import { builtWebAssets, checked, launchBrowser, signedIn, ukDate } from "../support/browser.js";
import { createSchedule, type Staff, withAdmin } from "../support/collections.js";
import { newApiKey, newOrganisation } from "../support/fixtures.js";
import { mandateIn } from "../support/mandates.js";
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

/** describedText is what a screen reader reads with a field: the texts its aria-describedby names. */
async function describedText(page: Page, field: ReturnType<Page["getByRole"]>): Promise<string> {
  const ids = ((await field.getAttribute("aria-describedby")) ?? "").split(" ").filter(Boolean);
  return (await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()))).join(" ");
}

describe("a member", () => {
  it("changes a schedule's amount, sees a refused end date by its field, pauses and resumes it", async () => {
    const mandate = await mandateIn(server, staff, "ACTIVE");
    const start = addDays(londonDate(new Date()), 20);
    await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "4250",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: start,
      description: "Garage rent",
    });
    const page = await signedIn(browser, server, staff.organisationId, "member");
    await page.getByRole("navigation").getByRole("link", { name: "Collections" }).click();
    const row = page
      .getByRole("table", { name: "Collection schedules" })
      .getByRole("row")
      .filter({ hasText: "Garage rent" });
    await row.waitFor();

    await row.getByRole("button", { name: "Change schedule" }).click();
    const dialog = page.getByRole("dialog");
    const amount = dialog.getByRole("textbox", { name: "Amount" });
    const endDate = dialog.getByLabel("End date");
    expect(await amount.inputValue()).toBe("42.50");
    await endDate.fill(addDays(start, -1));
    await dialog.getByRole("button", { name: "Save changes" }).click();
    // The service's "start_date 2026-12-27" reads as the form names it, the date as a UK office writes it.
    await expect
      .poll(() => describedText(page, endDate))
      .toContain(`End date must not be before start date ${ukDate(start)}`);
    expect(await endDate.getAttribute("aria-invalid")).toBe("true");
    await checked(page, "schedule-change-refused");

    await endDate.fill("");
    await amount.fill("55");
    const sent = page.waitForRequest((r) => r.url().endsWith("/UpdateCollectionSchedule"));
    await dialog.getByRole("button", { name: "Save changes" }).click();
    const body = JSON.parse((await sent).postData() ?? "{}");
    expect(body.updateMask).toBe("amountMinor");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => row.textContent()).toContain("£55.00");

    await row.getByRole("button", { name: "Pause" }).click();
    await checked(page, "schedule-pause");
    await page.getByRole("dialog").getByRole("textbox", { name: "Reason (optional)" }).fill("Garage repairs");
    await page.getByRole("dialog").getByRole("button", { name: "Pause schedule" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => row.textContent()).toContain("Paused");
    expect(await row.getByRole("button", { name: "Pause" }).count()).toBe(0);
    await checked(page, "schedule-paused");

    await row.getByRole("button", { name: "Resume" }).click();
    await checked(page, "schedule-resume");
    await page.getByRole("dialog").getByRole("button", { name: "Resume schedule" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => row.textContent()).toContain("Active");
    await page.context().close();
  });
});
