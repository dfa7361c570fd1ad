/**
 * The Webhooks page in real Chromium against a real listening server on PostgreSQL and Redis, with
 * a real receiver on 127.0.0.1 (test servers allow private networks), driven by role and accessible
 * name as ui-contract.md fixes them: an admin adds an endpoint (a refused URL and no event type
 * shown next to their fields; then the signing secret shown once), sees a delivery and retries it,
 * sees a failing endpoint's "failing since", disables and enables, rotates the secret and deletes
 * the endpoint. Members and viewers get no Webhooks link. Every page state gets axe-core and a
 * screenshot (.test-results/screenshots).
 */
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotificationType } from "../../gen/dd/v1/alerts_pb.js";
import { builtWebAssets, checked, consoleOrigin, launchBrowser, signedIn } from "../support/browser.js";
import { createMandate, newTenant, type Tenant } from "../support/mandates.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { startReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

/** Every NotificationType but UNSPECIFIED: one checkbox each. */
const eventTypeCount = Object.values(NotificationType).filter((t) => typeof t === "number" && t !== 0).length;

let server: TestServer;
let browser: Browser;
let tenant: Tenant;
let receiver: WebhookReceiver;
let failing: WebhookReceiver;

beforeAll(async () => {
  server = await startTestServer({ webAssets: await builtWebAssets() });
  browser = await launchBrowser();
  tenant = await newTenant(server);
  receiver = await startReceiver();
  failing = await startReceiver();
  failing.answer = () => 500;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await failing?.close();
  await server?.close();
});

/** describedText is what a control's aria-describedby elements say. */
async function describedText(page: Page, control: Locator): Promise<string> {
  const ids = ((await control.getAttribute("aria-describedby")) ?? "").split(" ").filter(Boolean);
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
  return texts.join(" ");
}

describe("an admin's webhooks", () => {
  it("adds an endpoint with its secret shown once; deliveries, retry, disable, enable, rotate, delete", async () => {
    const page = await signedIn(browser, server, tenant.organisationId, "admin");
    await page.getByRole("navigation").getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/console/webhooks");
    await page.getByText("No endpoints yet.").waitFor();
    await checked(page, "console-webhooks-empty");

    // A URL the service refuses, and no event type: each message next to its field.
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const dialog = page.getByRole("dialog");
    const checkboxes = dialog.getByRole("checkbox");
    // One per event type: every NotificationType but UNSPECIFIED.
    expect(await checkboxes.count()).toBe(eventTypeCount);
    await checked(page, "console-webhooks-add");
    const urlBox = dialog.getByRole("textbox", { name: "URL" });
    await urlBox.fill("ftp://x");
    await dialog.getByRole("button", { name: "Add", exact: true }).click();
    await expect.poll(() => urlBox.getAttribute("aria-invalid")).toBe("true");
    expect(await describedText(page, urlBox)).toMatch(/URL must be an https URL/);
    const types = dialog.getByRole("group", { name: "Event types" });
    expect(await describedText(page, types)).toMatch(/Event types must name at least one event type/);
    await checked(page, "console-webhooks-add-refused");

    await urlBox.fill(receiver.url);
    await dialog.getByRole("textbox", { name: "Description" }).fill("Test receiver");
    await dialog.getByRole("checkbox", { name: "Mandate created", exact: true }).check();
    await dialog.getByRole("button", { name: "Add", exact: true }).click();
    const secretBox = page.getByRole("dialog").getByRole("textbox", { name: "Signing secret" });
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^whsec_/);
    expect(await secretBox.isEditable()).toBe(false);
    await checked(page, "console-webhooks-secret");
    await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    const row = page.getByRole("row").filter({ hasText: receiver.url });
    await expect.poll(() => row.textContent()).toContain("Enabled");
    expect(await row.textContent()).toContain("Mandate created");
    // Shown once: never again on the page.
    expect(await page.content()).not.toContain(secret);

    // A second endpoint, for every event type, whose receiver answers 500: it is failing.
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const second = page.getByRole("dialog");
    await second.getByRole("textbox", { name: "URL" }).fill(failing.url);
    await second.getByRole("button", { name: "Every event type" }).click();
    expect(await second.getByRole("checkbox", { checked: true }).count()).toBe(eventTypeCount);
    await second.getByRole("button", { name: "Add", exact: true }).click();
    expect(await second.getByRole("textbox", { name: "Signing secret" }).inputValue()).toMatch(/^whsec_/);
    await second.getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    const failingRow = page.getByRole("row").filter({ hasText: failing.url });
    expect(await failingRow.textContent()).toContain(`All ${eventTypeCount}`);

    // A new mandate's event goes to both; one answers 200, the other 500.
    await createMandate(server, tenant);
    expect(await server.app.webhookDispatcher.runOnce()).toBe(2);
    expect(receiver.received).toHaveLength(1);
    expect(failing.received).toHaveLength(1);
    await page.reload();
    await expect.poll(() => failingRow.textContent()).toMatch(/Failing since \d{1,2} \w{3} \d{4}, \d{2}:\d{2}/);
    expect(await row.textContent()).not.toContain("Failing since");

    // The deliveries: state, attempts, last answer; Retry sends it again.
    await row.getByRole("button", { name: "Deliveries" }).click();
    expect(await row.getByRole("button", { name: "Deliveries" }).getAttribute("aria-expanded")).toBe("true");
    const deliveries = page.getByRole("region", { name: `Deliveries to ${receiver.url}` });
    const delivery = deliveries.getByRole("row").filter({ hasText: "Mandate created" });
    await expect.poll(() => delivery.textContent()).toContain("Succeeded");
    expect(await delivery.getByRole("cell").allTextContents()).toEqual(
      expect.arrayContaining(["Succeeded", "1", expect.stringMatching(/^HTTP 200/), "—", "Retry"]),
    );
    await checked(page, "console-webhooks");
    await delivery.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => deliveries.getByRole("status").textContent()).toMatch(/Queued/);
    await expect.poll(() => delivery.textContent()).toContain("Pending");
    // At least the retried one: the failing endpoint's own retry may fall due meanwhile on a slow run.
    expect(await server.app.webhookDispatcher.runOnce()).toBeGreaterThanOrEqual(1);
    expect(receiver.received).toHaveLength(2);
    await deliveries.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => delivery.getByRole("cell").nth(2).textContent()).toBe("2");

    // The failing endpoint's delivery says why.
    await failingRow.getByRole("button", { name: "Deliveries" }).click();
    const failed = page.getByRole("region", { name: `Deliveries to ${failing.url}` });
    await expect.poll(() => failed.getByRole("row").nth(1).textContent()).toContain("HTTP 500");
    await checked(page, "console-webhooks-failing");
    await failed.getByRole("button", { name: "Close deliveries" }).click();

    // Disable and enable again.
    await row.getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => row.textContent()).toContain("Disabled");
    await row.getByRole("button", { name: "Enable" }).waitFor();
    await checked(page, "console-webhooks-disabled");
    await row.getByRole("button", { name: "Enable" }).click();
    await expect.poll(() => row.textContent()).toContain("Enabled");
    await row.getByRole("button", { name: "Disable" }).waitFor();

    // Rotate: confirmed, the new secret shown once, the old one signing for 24 hours.
    await row.getByRole("button", { name: "Rotate secret" }).click();
    const rotate = page.getByRole("dialog");
    expect(await rotate.textContent()).toMatch(/keeps signing for 24 hours/);
    await checked(page, "console-webhooks-rotate");
    await rotate.getByRole("button", { name: "Rotate secret" }).click();
    const rotated = await page.getByRole("dialog").getByRole("textbox", { name: "Signing secret" }).inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    expect(await page.getByRole("dialog").textContent()).toMatch(/old secret keeps signing until/);
    await checked(page, "console-webhooks-rotated");
    await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
    await expect.poll(() => row.textContent()).toContain("Old secret signs until");

    // Delete, confirmed.
    await failingRow.getByRole("button", { name: "Delete" }).click();
    expect(await page.getByRole("dialog").textContent()).toMatch(/cannot be undone/);
    await checked(page, "console-webhooks-delete");
    await page.getByRole("dialog").getByRole("button", { name: "Delete endpoint" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => failingRow.count()).toBe(0);
    expect(await row.count()).toBe(1);
    await page.context().close();
  });
});

describe("members and viewers", () => {
  it("see no Webhooks link, and the page is refused them", async () => {
    for (const role of ["member", "viewer"] as const) {
      const page = await signedIn(browser, server, tenant.organisationId, role);
      const nav = page.getByRole("navigation");
      await nav.getByRole("link", { name: "Mandates" }).waitFor();
      expect(await nav.getByRole("link", { name: "Webhooks" }).count()).toBe(0);
      await page.goto(`${consoleOrigin(server)}/console/webhooks`);
      await page.getByText("Only admins can open this page.").waitFor();
      expect(await page.getByRole("button", { name: "Add endpoint" }).count()).toBe(0);
      await page.context().close();
    }
  });
});
