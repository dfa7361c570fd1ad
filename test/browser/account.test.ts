/**
 * The account page in real Chromium: an admin of an organisation that requires a second factor is
 * held on it until an authenticator is set up, and then signs in with a code; a member changes their
 * password and signs in with the new one.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Organisation } from "../../src/modules/identity/organisation.entity.js";
import { hotp, totpStep } from "../../src/modules/identity/totp.js";
import { acrossTenants } from "../../src/platform/db/tenant-session.js";
import { fromBase32 } from "../support/authenticator.js";
import { builtWebAssets, checked, consoleOrigin, launchBrowser, newContext } from "../support/browser.js";
import { newOrganisation, newUser } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ webAssets: await builtWebAssets() });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signInPage(email: string, password: string, code?: string) {
  const page = await (await newContext(browser)).newPage();
  await page.goto(`${consoleOrigin(server)}/console/`);
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (code !== undefined) {
    await page.getByRole("textbox", { name: "Authenticator code" }).fill(code);
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  return page;
}

describe("an organisation that requires a second factor of admins", () => {
  it("holds a new admin on the account page until an authenticator is on; sign-in then asks for a code", async () => {
    const organisationId = await newOrganisation(server);
    await acrossTenants(server.database.orm, "provisioning", (em) =>
      em.nativeUpdate(Organisation, { id: organisationId }, { requireAdminTotp: true }),
    );
    const admin = await newUser(server, organisationId, "admin");
    const page = await signInPage(admin.email, admin.password);
    await page.getByRole("heading", { name: "Your account" }).waitFor();
    expect(await page.getByRole("status").first().textContent()).toMatch(/requires admins to use an authenticator/);
    // Every other page is held back: the server would refuse its calls.
    await page.getByRole("navigation").getByRole("link", { name: "Mandates" }).click();
    await page.getByRole("heading", { name: "Your account" }).waitFor();
    await checked(page, "console-account-totp-required");

    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByRole("button", { name: "Set up an authenticator" }).click();
    const key = await page.getByRole("textbox", { name: "Setup key" }).inputValue();
    const secret = fromBase32(key);
    await checked(page, "console-account-totp-setup");
    await page.getByRole("textbox", { name: "Code" }).fill(hotp(secret, totpStep(new Date())));
    await page.getByRole("button", { name: "Turn on the authenticator" }).click();
    await page.getByRole("heading", { name: "Mandates" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.context().close();

    // The code just used is spent: the authenticator's next one signs in.
    const next = hotp(secret, totpStep(new Date()) + 1);
    const again = await signInPage(admin.email, admin.password, next);
    await again.getByRole("button", { name: "Sign out" }).waitFor();
    await again.context().close();
  }, 90_000);
});

describe("a member's password", () => {
  it("changes on the account page; the new one signs in, the old one no longer does", async () => {
    const organisationId = await newOrganisation(server);
    const member = await newUser(server, organisationId, "member");
    const page = await signInPage(member.email, member.password);
    await page.getByRole("link", { name: member.email }).click();
    await page.getByRole("heading", { name: "Your account" }).waitFor();
    await page.getByLabel("Current password").fill(member.password);
    await page.getByLabel("New password", { exact: true }).fill("short");
    await page.getByLabel("Repeat the new password").fill("short");
    await page.getByRole("button", { name: "Change password" }).click();
    const field = page.getByLabel("New password", { exact: true });
    await expect.poll(() => field.getAttribute("aria-invalid")).toBe("true");
    await checked(page, "console-account-password-refused");

    const fresh = "a much longer passphrase 2026";
    await field.fill(fresh);
    await page.getByLabel("Repeat the new password").fill(fresh);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Password changed.").waitFor();
    await page.context().close();

    const old = await signInPage(member.email, member.password);
    await expect.poll(() => old.getByRole("alert").textContent()).toMatch(/wrong email or password/i);
    await old.context().close();
    const signedIn = await signInPage(member.email, fresh);
    await signedIn.getByRole("button", { name: "Sign out" }).waitFor();
    await signedIn.context().close();
  }, 90_000);
});
