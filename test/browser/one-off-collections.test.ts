/**
 * A one-off collection from the mandate's page, in real Chromium against a real listening server on
 * PostgreSQL and Redis: a member opens New collection on an active mandate, types the amount in
 * pounds (sent as exact pence), sees the service's refusals next to their fields (a charge date
 * before the notice period allows), then creates it without a date: it appears in the mandate's
 * collections on the earliest date, and its advance notice in the history. A viewer sees no button.
 * Every dialog state gets axe-core and a screenshot.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addWorkingDays } from "../../src/modules/calendar/bacs-calendar.js";
import { builtWebAssets, checked, consoleOrigin, launchBrowser, signedIn, ukDate } from "../support/browser.js";
import { type Staff, withAdmin } from "../support/collections.js";
import { newApiKey, newOrganisation } from "../support/fixtures.js";
import { completeInvite, latestInviteToken, type MandateJson, rest } from "../support/mandates.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let browser: Browser;
let staff: Staff;
let mandate: MandateJson;

beforeAll(async () => {
  server = await startTestServer({ webAssets: await builtWebAssets() });
  browser = await launchBrowser();
  const organisationId = await newOrganisation(server, true);
  staff = await withAdmin(server, { organisationId, secret: (await newApiKey(server, organisationId)).secret });
  const email = `boiler-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const created = await ok(
    rest(server, "POST", "/v1/mandates", staff.secret, { reference: "BOILERFIX", payer: { name: "Ola Owner", email } }),
  );
  await ok(completeInvite(server, await latestInviteToken(server, email)));
  mandate = await ok(
    rest(server, "POST", `/v1/sandbox/mandates/${created.id}:simulate`, staff.secret, {
      scenario: "MANDATE_SCENARIO_ACTIVATE",
    }),
  );
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function ok(answer: ReturnType<typeof rest>): Promise<any> {
  const got = await answer;
  if (got.status !== 200) throw new Error(`expected 200, got ${got.status} ${JSON.stringify(got.body)}`);
  return got.body;
}

async function mandatePage(role: "member" | "viewer"): Promise<Page> {
  const page = await signedIn(browser, server, staff.organisationId, role);
  await page.goto(`${consoleOrigin(server)}/console/mandates/${mandate.id}`);
  await page.getByRole("heading", { name: /Mandate BOILERFIX/, level: 1 }).waitFor();
  return page;
}

/** describedText is what a screen reader reads with a field: the texts its aria-describedby names. */
async function describedText(page: Page, field: ReturnType<Page["getByRole"]>): Promise<string> {
  const ids = ((await field.getAttribute("aria-describedby")) ?? "").split(" ").filter(Boolean);
  return (await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()))).join(" ");
}

const today = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date());

describe("a one-off collection on the mandate's page", () => {
  it("is created by a member in pounds, on the earliest date, with refusals shown next to their fields", async () => {
    const page = await mandatePage("member");
    await page.getByRole("button", { name: "New collection" }).click();
    const dialog = page.getByRole("dialog");
    const amount = dialog.getByRole("textbox", { name: "Amount" });
    const chargeDate = dialog.getByRole("textbox", { name: "Charge date" });
    const description = dialog.getByRole("textbox", { name: "Description" });
    await amount.fill("42.50");
    await description.fill("Boiler repair");
    // Today is inside the notice period: the service refuses it, naming the earliest date.
    await chargeDate.fill(today());
    await dialog.getByRole("button", { name: "Create collection" }).click();
    const earliest = addWorkingDays(today(), 10);
    await expect
      .poll(() => describedText(page, chargeDate))
      .toContain(`Charge date is before the earliest possible charge date ${ukDate(earliest)}`);
    expect(await chargeDate.getAttribute("aria-invalid")).toBe("true");
    await checked(page, "one-off-collection-refused");

    // Not pounds and pence: refused in the form, before any call.
    await amount.fill("4.255");
    await dialog.getByRole("button", { name: "Create collection" }).click();
    await expect.poll(() => describedText(page, amount)).toMatch(/pounds and pence/);

    await amount.fill("42.50");
    await chargeDate.fill("");
    await checked(page, "one-off-collection-new");
    await dialog.getByRole("button", { name: "Create collection" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });

    const table = page.getByRole("table", { name: "This mandate's collections" });
    await expect.poll(() => table.textContent()).toContain("£42.50");
    expect(await table.textContent()).toContain("Boiler repair");
    await expect.poll(() => page.getByRole("region", { name: "History" }).textContent()).toContain("Advance notice");
    await checked(page, "one-off-collection-created");

    const listed = await ok(rest(server, "GET", `/v1/collections?mandate_id=${mandate.id}`, staff.secret));
    expect(listed.collections).toEqual([
      expect.objectContaining({ amountMinor: "4250", chargeDate: earliest, description: "Boiler repair" }),
    ]);
  });

  it("is not offered to a viewer", async () => {
    const page = await mandatePage("viewer");
    await page.getByRole("heading", { name: "Collections", level: 2 }).waitFor();
    expect(await page.getByRole("button", { name: "New collection" }).count()).toBe(0);
  });
});
