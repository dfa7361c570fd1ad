/**
 * The mandate detail page, the overview and the reports in real Chromium against a real server: a
 * member plays the payer's bank with the sandbox buttons, suspends and reactivates with a reason,
 * moves the mandate to new bank details (a bank switch) and reads the history; the reports page
 * draws its charts from collections paid in the sandbox.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendarDay } from "../../web/src/console/dates.js";
import { builtWebAssets, checked, consoleOrigin, launchBrowser, signedIn } from "../support/browser.js";
import { createSchedule, sessionRest } from "../support/collections.js";
import { newApiKey, newOrganisation, newSignedInUser } from "../support/fixtures.js";
import { completeInvite, createMandate, latestInviteToken, rest, type Tenant } from "../support/mandates.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let browser: Browser;
let tenant: Tenant;

beforeAll(async () => {
  server = await startTestServer({ webAssets: await builtWebAssets() });
  browser = await launchBrowser();
  const organisationId = await newOrganisation(server, true);
  tenant = { organisationId, secret: (await newApiKey(server, organisationId)).secret };
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function londonToday(): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date());
}

function badgeOf(page: Page) {
  return page.getByRole("heading", { level: 1 }).locator(".badge");
}

describe("a mandate's page", () => {
  it("simulates the bank, suspends and reactivates with a reason, and shows the history", async () => {
    const mandate = await createMandate(server, tenant, { reference: "FLAT9RENT" });
    expect((await completeInvite(server, await latestInviteToken(server, mandate.payer.email))).status).toBe(200);
    const page = await signedIn(browser, server, tenant.organisationId, "member");
    await page.getByRole("navigation").getByRole("link", { name: "Mandates" }).click();
    await page.getByRole("link", { name: "FLAT9RENT" }).click();
    await page.getByRole("heading", { name: /Mandate FLAT9RENT/ }).waitFor();
    expect(await badgeOf(page).textContent()).toBe("Pending submission");
    expect(await page.textContent("main")).toContain("••••••19");
    expect(await page.getByRole("button", { name: "Simulate bank transfer" }).count()).toBe(0);
    await checked(page, "console-mandate-detail");

    await page.getByRole("button", { name: "Simulate bank accepts" }).click();
    await expect.poll(() => badgeOf(page).textContent()).toBe("Active");

    await page.getByRole("button", { name: "Suspend" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("textbox", { name: "Reason" }).fill("Tenant asked for a pause");
    await checked(page, "console-mandate-suspend");
    await dialog.getByRole("button", { name: "Confirm: suspend" }).click();
    await expect.poll(() => badgeOf(page).textContent()).toBe("Suspended");
    await page.getByRole("button", { name: "Reactivate" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Confirm: reactivate" }).click();
    await expect.poll(() => badgeOf(page).textContent()).toBe("Active");

    const history = page.getByRole("region", { name: "History" });
    await expect
      .poll(() => history.textContent())
      .toMatch(/Mandate reactivated.*Mandate suspended.*Mandate activated/s);
    await checked(page, "console-mandate-history");

    // The payer switches banks: same state, the new account's ending, the transfer in the history.
    await page.getByRole("button", { name: "Simulate bank transfer" }).click();
    await expect.poll(() => history.textContent()).toMatch(/Mandate transferred.*reason code 3.*Mandate reactivated/s);
    // On the mandate's own page its events do not name it again, and dates read as a UK office writes them.
    expect(await history.textContent()).not.toContain(mandate.id);
    expect(await history.textContent()).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(await badgeOf(page).textContent()).toBe("Active");
    await expect.poll(() => page.getByRole("region", { name: "Details" }).textContent()).toContain("••••••11");
    // Dates as staff read them everywhere on the page, the first possible charge too: "21 Dec 2026".
    const nextCharge = (await rest(server, "GET", `/v1/mandates/${mandate.id}`, tenant.secret)).body
      .nextPossibleChargeDate as string;
    const details = (await page.getByRole("region", { name: "Details" }).textContent()) ?? "";
    expect(details).toContain(`First possible charge${calendarDay(nextCharge)}`);
    expect(details).not.toContain(nextCharge);
    await checked(page, "console-mandate-transferred");
    const viewer = await signedIn(browser, server, tenant.organisationId, "viewer");
    await viewer.goto(`${consoleOrigin(server)}/console/mandates/${mandate.id}`);
    await viewer.getByRole("heading", { name: /Mandate FLAT9RENT/ }).waitFor();
    for (const name of ["Suspend", "Cancel mandate", "Simulate bank accepts", "Simulate bank transfer"])
      expect(await viewer.getByRole("button", { name }).count(), name).toBe(0);
    await viewer.context().close();
    await page.context().close();
  });

  it("answers an unknown mandate with the service's message", async () => {
    const page = await signedIn(browser, server, tenant.organisationId, "viewer");
    await page.goto(`${consoleOrigin(server)}/console/mandates/MD0000000000000000000000000`);
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/not found/i);
    await page.context().close();
  });
});

describe("overview and reports", () => {
  it("draw this month's figures and the charts from paid collections", async () => {
    const mandate = await createMandate(server, tenant);
    await completeInvite(server, await latestInviteToken(server, mandate.payer.email));
    const simulated = await rest(server, "POST", `/v1/sandbox/mandates/${mandate.id}:simulate`, tenant.secret, {
      scenario: "MANDATE_SCENARIO_ACTIVATE",
    });
    expect(simulated.status).toBe(200);
    const admin = await newSignedInUser(server, tenant.organisationId, "admin");
    const schedule = await createSchedule(
      server,
      { ...tenant, cookie: admin.cookie },
      {
        mandate_id: mandate.id,
        amount_minor: "95000",
        interval_unit: "INTERVAL_UNIT_MONTHLY",
        start_date: londonToday(),
      },
    );
    const listed = await sessionRest(server, "GET", `/v1/collections?schedule_id=${schedule.id}`, admin.cookie);
    const collection = (listed.body.collections as { id: string; chargeDate: string }[])[0]!;
    const paid = await rest(server, "POST", `/v1/sandbox/collections/${collection.id}:simulate`, tenant.secret, {
      scenario: "COLLECTION_SCENARIO_PAY",
    });
    expect(paid.status).toBe(200);

    const page = await signedIn(browser, server, tenant.organisationId, "viewer");
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page
      .getByRole("region", { name: "Mandates by state" })
      .getByRole("cell", { name: /^\d+\+?$/ })
      .first()
      .waitFor();
    await checked(page, "console-overview");

    await page.getByRole("navigation").getByRole("link", { name: "Reports" }).click();
    await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor();
    // The first collection's charge date can lie a few working days ahead: reach past it.
    if (collection.chargeDate > londonToday()) await page.getByLabel("To").fill(collection.chargeDate);
    const rates = page.getByRole("img", { name: /^Success rate per interval/ });
    await expect.poll(() => rates.getAttribute("aria-label")).toContain("100.0%");
    const states = page.getByRole("img", { name: /^Collections per interval by state/ });
    await expect.poll(() => states.getAttribute("aria-label")).toMatch(/: 1 collections/);
    expect(await page.locator(".chart canvas").count()).toBeGreaterThanOrEqual(2);
    await checked(page, "console-reports");
    await page.context().close();
  });
});
