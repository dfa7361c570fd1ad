/**
 * The console and the payer's page in real Chromium against a real listening server on PostgreSQL
 * and Redis, driven by role and accessible name as ui-contract.md fixes them: an admin's API keys
 * (create, secret once, rotate, revoke, each checked over REST), what a viewer does not see, a
 * member's new mandate and its payer's page on a phone (with the Instruction's service user number
 * and statement name), sign-out. Every page gets axe-core and a
 * screenshot (.test-results/screenshots).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../src/platform/db/tenant-session.js";
import {
  builtWebAssets,
  checked,
  consoleOrigin,
  desktop,
  launchBrowser,
  newContext,
  phone,
  screenshot,
  signedIn as signedInAs,
} from "../support/browser.js";
import { newOrganisation, newUser } from "../support/fixtures.js";
import { latestInviteToken } from "../support/mandates.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let browser: Browser;
let origin = "";
let organisationId = "";

beforeAll(async () => {
  server = await startTestServer({ webAssets: await builtWebAssets() });
  browser = await launchBrowser();
  origin = consoleOrigin(server);
  organisationId = await newOrganisation(server, true);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function signedIn(role: "admin" | "member" | "viewer"): Promise<Page> {
  return signedInAs(browser, server, organisationId, role);
}

/** instructionHeader lists the payer page's summary as [term, value] pairs, as a payer reads them. */
function instructionHeader(page: Page): Promise<[string | null, string | null | undefined][]> {
  return page
    .locator("dl.summary dt")
    .evaluateAll((terms) => terms.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]));
}

function restAs(secret: string, method: "GET" | "POST", path: string): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${secret}`,
      ...(method === "POST" ? { "content-type": "application/json", "idempotency-key": crypto.randomUUID() } : {}),
    },
    body: method === "POST" ? JSON.stringify({ payer: { name: "Ann Payer", email: "ann@example.com" } }) : undefined,
  });
}

/** refusedWithin polls until the key is refused (401), failing after `ms`. */
async function refusedWithin(secret: string, ms: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if ((await restAs(secret, "GET", "/v1/mandates")).status === 401) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`key still accepted after ${ms} ms`);
}

describe("signed out", () => {
  it("shows the sign-in form, and refuses a wrong password next to the form", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${origin}/console/api-keys`);
    await page.getByRole("textbox", { name: "Email" }).fill("nobody@example.com");
    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/wrong email or password/i);
    await checked(page, "console-sign-in");
    await page.context().close();
  });
});

describe("an admin's API keys", () => {
  it("creates a read-only key whose secret is shown once; REST honours its scopes", async () => {
    const page = await signedIn("admin");
    await page.getByRole("navigation").getByRole("link", { name: "API keys" }).click();
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    await checked(page, "console-api-keys");

    await page.getByRole("button", { name: "Create API key" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("textbox", { name: "Name" }).fill("agentOS read-only");
    await dialog.getByRole("button", { name: "Read-only integration" }).click();
    for (const scope of ["mandates:read", "collections:read"])
      expect(await dialog.getByRole("checkbox", { name: scope, exact: true }).isChecked()).toBe(true);
    for (const scope of ["mandates:write", "alerts:read", "alerts:write", "reports:read"])
      expect(await dialog.getByRole("checkbox", { name: scope, exact: true }).isChecked()).toBe(false);
    await checked(page, "console-api-keys-create");
    await dialog.getByRole("button", { name: "Create" }).click();

    const secretBox = page.getByRole("dialog").getByRole("textbox", { name: "New API key" });
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^dd_test_[0-9A-Za-z]{38}$/);
    await checked(page, "console-api-keys-secret");
    await page.getByRole("button", { name: "Done" }).click();
    // Shown once: the list holds the key's name and prefix, never the secret.
    const row = page.getByRole("row").filter({ hasText: "agentOS read-only" });
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);

    expect((await restAs(secret, "GET", "/v1/mandates")).status).toBe(200);
    expect((await restAs(secret, "POST", "/v1/mandates")).status).toBe(403);

    // Revoked in the UI: refused within a second.
    await row.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await refusedWithin(secret, 1_000)).toBeLessThan(1_000);
    await page.context().close();
  });

  it("rotates a key: old and new both work inside the grace period", async () => {
    const page = await signedIn("admin");
    await page.goto(`${origin}/console/api-keys`);
    await page.getByRole("button", { name: "Create API key" }).click();
    await page.getByRole("dialog").getByRole("textbox", { name: "Name" }).fill("agentOS full");
    await page.getByRole("dialog").getByRole("button", { name: "Full agentOS integration" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Create" }).click();
    const oldSecret = await page.getByRole("dialog").getByRole("textbox", { name: "New API key" }).inputValue();
    await page.getByRole("button", { name: "Done" }).click();

    await page.getByRole("row").filter({ hasText: "agentOS full" }).getByRole("button", { name: "Rotate" }).click();
    await checked(page, "console-api-keys-rotate");
    await page.getByRole("dialog").getByRole("button", { name: "Rotate key" }).click();
    const newSecret = await page.getByRole("dialog").getByRole("textbox", { name: "New API key" }).inputValue();
    expect(newSecret).toMatch(/^dd_test_/);
    expect(newSecret).not.toBe(oldSecret);
    await page.getByRole("button", { name: "Done" }).click();

    expect((await restAs(oldSecret, "GET", "/v1/mandates")).status).toBe(200);
    expect((await restAs(newSecret, "GET", "/v1/mandates")).status).toBe(200);
    await page.context().close();
  });
});

describe("a viewer", () => {
  it("sees neither the API keys page nor any write control", async () => {
    const page = await signedIn("viewer");
    const nav = page.getByRole("navigation");
    await nav.getByRole("link", { name: "Mandates" }).waitFor();
    expect(await nav.getByRole("link", { name: "API keys" }).count()).toBe(0);
    await nav.getByRole("link", { name: "Mandates" }).click();
    await page.getByRole("heading", { name: "Mandates" }).waitFor();
    expect(await page.getByRole("button", { name: "New mandate" }).count()).toBe(0);
    await page.goto(`${origin}/console/api-keys`);
    await page.getByText("Only admins can open this page.").waitFor();
    expect(await page.getByRole("button", { name: "Create API key" }).count()).toBe(0);
    await page.context().close();
  });
});

describe("a member's mandate and its payer", () => {
  it("sends an invite; the payer sets up the Direct Debit on a phone; the link then stops working", async () => {
    const page = await signedIn("member");
    await page.getByRole("navigation").getByRole("link", { name: "Mandates" }).click();
    await page.getByRole("button", { name: "New mandate" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("textbox", { name: "Reference" }).fill("FLAT4RENT");
    await dialog.getByRole("textbox", { name: "Payer name" }).fill("Priya Tenant");
    const email = `priya-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await dialog.getByRole("textbox", { name: "Payer email" }).fill(email);
    await checked(page, "console-mandates-new");
    await dialog.getByRole("button", { name: "Send invite" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    const row = page.getByRole("row").filter({ hasText: "FLAT4RENT" });
    await expect.poll(() => row.textContent()).toContain("Pending customer approval");
    await checked(page, "console-mandates");

    const token = await latestInviteToken(server, email);
    await withTenant(server.database.orm, organisationId, (em) =>
      server.app.provisioning.setBacsIdentity(
        em,
        { organisationId, actor: "operator" },
        { serviceUserNumber: "123456", bacsDisplayName: "Priya Lettings" },
      ),
    );
    const payer = await (await newContext(browser, phone)).newPage();
    await payer.goto(`${origin}/invite/${token}`);
    await payer.getByRole("heading", { name: "Set up a Direct Debit" }).waitFor();
    expect(await payer.textContent("body")).toContain("FLAT4RENT");
    expect(await instructionHeader(payer)).toEqual(
      expect.arrayContaining([
        ["Service user number", "123456"],
        ["On your statement", "PRIYA LETTINGS"],
        ["Advance notice", "10 working days before each payment"],
        ["Reference", "FLAT4RENT"],
      ]),
    );
    expect(await payer.textContent("body")).toContain("on your bank statement as PRIYA LETTINGS");
    await checked(payer, "payer-invite-phone");
    await payer.setViewportSize(desktop);
    await screenshot(payer, "payer-invite-desktop");
    await payer.setViewportSize(phone);

    await payer.getByRole("textbox", { name: "Account holder name" }).fill("Priya Tenant");
    await payer.getByRole("textbox", { name: "Sort code" }).fill("12345");
    await payer.getByRole("textbox", { name: "Account number" }).fill("31226819");
    await payer.getByRole("checkbox", { name: /^I am the account holder/ }).check();
    await payer.getByRole("button", { name: "Set up Direct Debit" }).click();
    const sortCode = payer.getByRole("textbox", { name: "Sort code" });
    await expect.poll(() => sortCode.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await sortCode.getAttribute("aria-describedby")) ?? "";
    const messages = await Promise.all(describedBy.split(" ").map((id) => payer.locator(`[id="${id}"]`).textContent()));
    expect(messages.join(" ")).toMatch(/Sort code must be exactly 6 digits/);
    expect(await payer.getByRole("textbox", { name: "Account number" }).getAttribute("aria-invalid")).toBeNull();
    await checked(payer, "payer-invite-refused");

    // One digit off: the modulus check says so at the field as the payer moves on, before submitting.
    await sortCode.fill("20-04-15");
    const accountNumber = payer.getByRole("textbox", { name: "Account number" });
    await accountNumber.fill("31926819");
    await accountNumber.press("Tab");
    await expect.poll(() => accountNumber.getAttribute("aria-invalid")).toBe("true");
    expect(await sortCode.getAttribute("aria-invalid")).toBeNull();
    const accountMessage = await payer
      .locator(`[id="${(await accountNumber.getAttribute("aria-describedby"))?.split(" ").at(-1)}"]`)
      .textContent();
    expect(accountMessage).toContain("Account number does not match sort code 20-04-15");
    await checked(payer, "payer-invite-modulus");
    await accountNumber.fill("31226819");
    await accountNumber.press("Tab");
    await expect.poll(() => accountNumber.getAttribute("aria-invalid")).toBeNull();
    await payer.getByRole("button", { name: "Set up Direct Debit" }).click();
    await payer.getByRole("heading", { name: "Direct Debit set up" }).waitFor();
    expect(await instructionHeader(payer)).toEqual(
      expect.arrayContaining([
        ["Service user number", "123456"],
        ["On your statement", "PRIYA LETTINGS"],
      ]),
    );
    await checked(payer, "payer-invite-done");

    await page.reload();
    await expect
      .poll(() => page.getByRole("row").filter({ hasText: "FLAT4RENT" }).textContent())
      .toContain("Pending submission");

    await payer.reload();
    await payer.getByRole("heading", { name: "This link is no longer valid" }).waitFor();
    await checked(payer, "payer-invite-gone");
    await payer.context().close();
    await page.context().close();
  });
});

describe("the keyboard alone", () => {
  it("signs in, opens a page from the navigation and a dialog, and closes it with Escape", async () => {
    const user = await newUser(server, organisationId, "admin");
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${origin}/console/`);
    await page.getByRole("textbox", { name: "Email" }).waitFor();
    await page.keyboard.press("Tab");
    await page.keyboard.type(user.email);
    await page.keyboard.press("Tab");
    await page.keyboard.type(user.password);
    await page.keyboard.press("Enter");
    const keysLink = page.getByRole("navigation").getByRole("link", { name: "API keys" });
    await keysLink.waitFor();
    await keysLink.focus();
    await page.keyboard.press("Enter");
    const create = page.getByRole("button", { name: "Create API key" });
    await create.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    // The dialog takes the focus, and Escape gives it back to the page.
    await expect.poll(() => dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await page.context().close();
  });
});

describe("sign-out", () => {
  it("ends the session: the cookie no longer works and the console asks to sign in", async () => {
    const page = await signedIn("admin");
    const cookie = (await page.context().cookies()).find((c) => c.name.includes("dd_session"));
    expect(cookie).toBeDefined();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    const again = await fetch(`${server.baseUrl}/v1/sessions/current`, {
      headers: { cookie: `${cookie!.name}=${cookie!.value}` },
    });
    expect(again.status).toBe(401);
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.context().close();
  });
});
