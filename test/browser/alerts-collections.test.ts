/**
 * The Collections and Alerts pages in real Chromium against a real listening server on PostgreSQL
 * and Redis, in a sandbox organisation: a member sets up a schedule for an active mandate (amount in
 * pounds, sent as exact pence; refused fields shown next to them), its first collection appears, the
 * failure-rate threshold is lowered in the editor (the update mask names only what changed), the
 * sandbox button fails the collection, and the alert it raises is acknowledged with a note and
 * resolved; a schedule is cancelled after a confirmation; a viewer sees the same pages without a
 * single write or simulator control. Every page state gets axe-core and a screenshot.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtWebAssets, checked, launchBrowser, signedIn as signedInAs, ukDate } from "../support/browser.js";
import { createSchedule, type Staff, withAdmin } from "../support/collections.js";
import { newApiKey, newOrganisation } from "../support/fixtures.js";
import { completeInvite, latestInviteToken, type MandateJson, rest } from "../support/mandates.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let browser: Browser;
/** The sandbox organisation, its full-scope API key, and a signed-in admin for set-up over REST. */
let staff: Staff;
/** Active: schedules can collect under it. */
let rentMandate: MandateJson;
/** Still waiting for its payer: no schedule can be set up under it yet. */
let waitingMandate: MandateJson;

beforeAll(async () => {
  server = await startTestServer({ webAssets: await builtWebAssets() });
  browser = await launchBrowser();
  const organisationId = await newOrganisation(server, true);
  staff = await withAdmin(server, { organisationId, secret: (await newApiKey(server, organisationId)).secret });
  rentMandate = await activeMandate("FLAT2RENT", "Sam Tenant");
  waitingMandate = await ok(
    rest(server, "POST", "/v1/mandates", staff.secret, {
      reference: "NOTYETSET",
      payer: { name: "Nia Waiting", email: `nia-${crypto.randomUUID().slice(0, 8)}@example.com` },
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

/** activeMandate makes a mandate as an integrator, the payer completes the invite, the sandbox activates it. */
async function activeMandate(reference: string, payerName: string): Promise<MandateJson> {
  const email = `${reference.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const created: MandateJson = await ok(
    rest(server, "POST", "/v1/mandates", staff.secret, { reference, payer: { name: payerName, email } }),
  );
  await ok(completeInvite(server, await latestInviteToken(server, email)));
  return ok(
    rest(server, "POST", `/v1/sandbox/mandates/${created.id}:simulate`, staff.secret, {
      scenario: "MANDATE_SCENARIO_ACTIVATE",
    }),
  );
}

function signedIn(role: "member" | "viewer"): Promise<Page> {
  return signedInAs(browser, server, staff.organisationId, role);
}

async function openPage(page: Page, link: "Collections" | "Alerts"): Promise<void> {
  await page.getByRole("navigation").getByRole("link", { name: link }).click();
  await page.getByRole("heading", { name: link, level: 1 }).waitFor();
}

/** describedText is what a screen reader reads with a field: the texts its aria-describedby names. */
async function describedText(page: Page, field: ReturnType<Page["getByRole"]>): Promise<string> {
  const ids = ((await field.getAttribute("aria-describedby")) ?? "").split(" ").filter(Boolean);
  return (await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()))).join(" ");
}

const today = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date());

describe("a member's schedule, its collection, and the alert its failure raises", () => {
  it("sets up a schedule in pounds; the first collection appears; a simulated failure raises an alert, acknowledged with a note and resolved", async () => {
    const page = await signedIn("member");
    await openPage(page, "Collections");
    await page.getByText("No schedules yet.").waitFor();
    await checked(page, "collections-empty");

    await page.getByRole("button", { name: "New schedule" }).click();
    const dialog = page.getByRole("dialog");
    const mandate = dialog.getByRole("combobox", { name: "Mandate" });
    await expect.poll(() => mandate.locator("option").allTextContents()).toEqual(["FLAT2RENT — Sam Tenant"]);
    expect(waitingMandate.state).toBe("MANDATE_STATE_PENDING_CUSTOMER_APPROVAL");
    await mandate.selectOption({ label: "FLAT2RENT — Sam Tenant" });
    const amount = dialog.getByRole("textbox", { name: "Amount (£)" });
    await amount.fill("1250.50");
    await dialog.getByRole("combobox", { name: "Interval" }).selectOption({ label: "Monthly" });
    await dialog.getByRole("combobox", { name: "Day of month" }).selectOption("1");
    expect(await dialog.getByLabel("Start date").inputValue()).toBe(today());
    await dialog.getByRole("textbox", { name: "Description (optional)" }).fill("Rent, Flat 2");
    await checked(page, "collections-new-schedule");

    // Not pounds and pence: refused in the form, next to the field, before any call.
    await amount.fill("12.345");
    await dialog.getByRole("button", { name: "Create schedule" }).click();
    await expect.poll(() => amount.getAttribute("aria-invalid")).toBe("true");
    expect(await describedText(page, amount)).toMatch(/pounds and pence/);

    // Nothing to collect, or more than the service collects: refused in the form, in pounds. (A bad
    // format between the two, so that the second cannot pass on the first's message.)
    const hint = "In pounds and pence, for example 1250.50";
    const outOfRange = `${hint} Amount must be from £0.01 to £1,000,000.00.`;
    const badFormat = `${hint} Amount must be in pounds and pence, for example 1250.50.`;
    for (const [typed, expected] of [
      ["0", outOfRange],
      ["12.345", badFormat],
      ["1000000.01", outOfRange],
    ] as const) {
      await amount.fill(typed);
      await dialog.getByRole("button", { name: "Create schedule" }).click();
      await expect.poll(() => describedText(page, amount)).toBe(expected);
    }

    // A start date already past: refused by the service, next to its field, in the staff's words.
    await amount.fill("1250.50");
    const start = dialog.getByLabel("Start date");
    await start.fill("2020-01-01");
    await dialog.getByRole("button", { name: "Create schedule" }).click();
    await expect
      .poll(() => describedText(page, start))
      .toBe(`Start date must be today (${ukDate(today())}, Europe/London) or later.`);
    await checked(page, "collections-new-schedule-refused");
    expect(await describedText(page, amount)).toBe("In pounds and pence, for example 1250.50");

    await start.fill(today());
    await dialog.getByRole("button", { name: "Create schedule" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });

    const scheduleRow = page.getByRole("table", { name: "Collection schedules" }).getByRole("row").nth(1);
    await expect.poll(() => scheduleRow.textContent()).toContain("FLAT2RENT");
    const scheduleText = await scheduleRow.textContent();
    for (const text of ["£1,250.50", "Monthly", "Day 1", "When cancelled", "Active"])
      expect(scheduleText).toContain(text);
    // Exact pence went over the wire.
    const schedules = await ok(rest(server, "GET", "/v1/collectionSchedules", staff.secret));
    expect(schedules.collectionSchedules).toHaveLength(1);
    expect(schedules.collectionSchedules[0]).toMatchObject({
      mandateId: rentMandate.id,
      amountMinor: "125050",
      intervalUnit: "INTERVAL_UNIT_MONTHLY",
      dayOfMonth: 1,
      startDate: today(),
      description: "Rent, Flat 2",
    });

    // The first collection, created at once, with the sandbox outcomes its state allows.
    const collectionRow = page.getByRole("table", { name: "Collections", exact: true }).getByRole("row").nth(1);
    await expect.poll(() => collectionRow.textContent()).toContain("Pending submission");
    expect(await collectionRow.textContent()).toContain("£1,250.50");
    expect(await collectionRow.textContent()).toContain("FLAT2RENT");
    const simulators = await collectionRow.getByRole("button").allTextContents();
    expect(simulators).toEqual(["Simulate paid", "Simulate failure"]);
    await checked(page, "collections");

    // One failure of one collection is not a rate yet (20 outcomes by default): lower the sample.
    await openPage(page, "Alerts");
    await page.getByText("No alerts match.").waitFor();
    await checked(page, "alerts-empty");
    const rateRow = page.getByRole("row").filter({ hasText: "Collection failure rate" });
    await rateRow.getByRole("button", { name: "Edit" }).click();
    const editor = page.getByRole("dialog");
    const rate = editor.getByRole("textbox", { name: "Failure rate (%)" });
    expect(await rate.inputValue()).toBe("10");
    await rate.fill("101");
    await editor.getByRole("button", { name: "Save threshold" }).click();
    await expect.poll(() => describedText(page, rate)).toMatch(/Failure rate must be a percentage from 0 to 100/);
    expect(await rate.getAttribute("aria-invalid")).toBe("true");
    await checked(page, "alerts-threshold-refused");

    await rate.fill("10");
    await editor.getByRole("textbox", { name: "Minimum collections" }).fill("1");
    const sent = page.waitForRequest((r) => r.url().endsWith("/dd.v1.AlertService/UpdateAlertThreshold"));
    await editor.getByRole("button", { name: "Save threshold" }).click();
    // Only the changed field is in the mask (proto3 JSON writes a FieldMask as lowerCamelCase paths).
    expect((await sent).postDataJSON()).toMatchObject({ updateMask: "minSampleSize" });
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => rateRow.textContent()).toContain("once 1 collection has an outcome");
    expect(await rateRow.textContent()).toContain("by you");
    const thresholds = await ok(rest(server, "GET", "/v1/alertThresholds", staff.secret));
    expect(thresholds.alertThresholds[0]).toMatchObject({
      type: "ALERT_TYPE_COLLECTION_FAILURE_RATE",
      failureRatePercent: 10,
      minSampleSize: 1,
      window: "604800s",
    });

    // The sandbox's ARUDD return: the collection fails, and one failure in one outcome is 100%.
    await openPage(page, "Collections");
    await collectionRow.getByRole("button", { name: "Simulate failure" }).click();
    await expect.poll(() => collectionRow.textContent()).toContain("Failed");
    expect(await collectionRow.textContent()).toContain("Reason code 0");
    // No outcome is left to simulate; a code 0 return may be presented again.
    expect(await collectionRow.getByRole("button").allTextContents()).toEqual(["Retry"]);
    await checked(page, "collections-failed");

    await openPage(page, "Alerts");
    const alertRow = page.getByRole("row").filter({ hasText: "Collection failure rate 100%" });
    await expect.poll(() => alertRow.textContent()).toContain("Open");
    await checked(page, "alerts-open");
    await alertRow.getByRole("button", { name: "Acknowledge" }).click();
    const note = "Sam's bank returned it; calling Sam today";
    await page.getByRole("dialog").getByRole("textbox", { name: "Note" }).fill(note);
    await checked(page, "alerts-acknowledge");
    await page.getByRole("dialog").getByRole("button", { name: "Acknowledge alert" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => alertRow.textContent()).toContain("Acknowledged");
    expect(await alertRow.textContent()).toContain("by you");
    expect(await alertRow.textContent()).toContain(note);
    expect(await alertRow.getByRole("button", { name: "Acknowledge" }).count()).toBe(0);
    await checked(page, "alerts-acknowledged");

    await alertRow.getByRole("button", { name: "Resolve" }).click();
    await checked(page, "alerts-resolve");
    await page.getByRole("dialog").getByRole("button", { name: "Resolve alert" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    // Resolved alerts need nobody: they leave the default list, and show under "Resolved".
    await page.getByText("No alerts match.").waitFor();
    await page.getByRole("combobox", { name: "State" }).selectOption({ label: "Resolved" });
    await expect.poll(() => alertRow.textContent()).toContain("Resolved");
    expect(await alertRow.getByRole("button").count()).toBe(0);
    await checked(page, "alerts-resolved");

    const [alert] = (await ok(rest(server, "GET", "/v1/alerts", staff.secret))).alerts;
    expect(alert).toMatchObject({ state: "ALERT_STATE_RESOLVED", acknowledgeNote: note });
    expect(alert.acknowledgedBy).toMatch(/^US/);
    await page.context().close();
  });

  it("cancels a schedule after a confirmation; its pending collection is cancelled too", async () => {
    const page = await signedIn("member");
    await openPage(page, "Collections");
    await page.getByRole("button", { name: "New schedule" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("combobox", { name: "Mandate" }).selectOption({ label: "FLAT2RENT — Sam Tenant" });
    await dialog.getByRole("textbox", { name: "Amount (£)" }).fill("£25");
    await dialog.getByRole("combobox", { name: "Interval" }).selectOption({ label: "Weekly" });
    expect(await dialog.getByRole("combobox", { name: "Day of month" }).count()).toBe(0);
    await dialog.getByRole("button", { name: "Create schedule" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });

    const weekly = page.getByRole("row").filter({ hasText: "£25.00" }).filter({ hasText: "Weekly" });
    await weekly.waitFor();
    await weekly.getByRole("button", { name: "Cancel schedule" }).click();
    await checked(page, "collections-cancel-schedule");
    // Changing one's mind keeps it.
    await page.getByRole("dialog").getByRole("button", { name: "Keep schedule" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await weekly.getByRole("button", { name: "Cancel schedule" }).click();
    await page.getByRole("dialog").getByRole("textbox", { name: "Reason (optional)" }).fill("Tenant moved out");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel schedule" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => weekly.textContent()).toContain("Cancelled");
    expect(await weekly.getByRole("button").count()).toBe(0);

    // The collections filter by state: the weekly schedule's first collection, cancelled with it.
    await page.getByRole("combobox", { name: "State" }).selectOption({ label: "Cancelled" });
    const rows = page.getByRole("table", { name: "Collections", exact: true }).getByRole("row");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(1).textContent()).toContain("£25.00");
    await checked(page, "collections-filtered");
    await page.context().close();
  });
});

describe("a viewer", () => {
  it("reads schedules, collections and alerts, with no write or simulator control", async () => {
    // An open alert and a pending collection, so there would be something to press.
    const pending = await createSchedule(server, staff, {
      mandate_id: rentMandate.id,
      amount_minor: "90000",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: today(),
    });
    const failing = await createSchedule(server, staff, {
      mandate_id: rentMandate.id,
      amount_minor: "70000",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: today(),
    });
    const [collection] = (await ok(rest(server, "GET", `/v1/collections?schedule_id=${failing.id}`, staff.secret)))
      .collections;
    await ok(
      rest(server, "POST", `/v1/sandbox/collections/${collection.id}:simulate`, staff.secret, {
        scenario: "COLLECTION_SCENARIO_FAIL",
      }),
    );
    expect((await ok(rest(server, "GET", "/v1/alerts?state=ALERT_STATE_OPEN", staff.secret))).alerts).toHaveLength(1);

    const page = await signedIn("viewer");
    await openPage(page, "Collections");
    const pendingRow = page
      .getByRole("table", { name: "Collections", exact: true })
      .getByRole("row")
      .filter({ hasText: "£900.00" });
    await expect.poll(() => pendingRow.textContent()).toContain("Pending submission");
    expect(pending.state).toBe("COLLECTION_SCHEDULE_STATE_ACTIVE");
    expect(await page.getByRole("row").filter({ hasText: "£1,250.50" }).count()).toBeGreaterThan(0);
    for (const name of ["New schedule", "Cancel schedule", "Simulate paid", "Simulate failure", "Retry"])
      expect(await page.getByRole("button", { name }).count(), name).toBe(0);
    await checked(page, "collections-viewer");

    await openPage(page, "Alerts");
    const open = page.getByRole("row").filter({ hasText: "Collection failure rate" }).filter({ hasText: "Open" });
    await open.first().waitFor();
    for (const name of ["Acknowledge", "Resolve", "Edit"])
      expect(await page.getByRole("button", { name }).count(), name).toBe(0);
    await checked(page, "alerts-viewer");
    await page.context().close();
  });
});
