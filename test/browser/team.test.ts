/**
 * The Team, Welcome and Audit log pages in real Chromium against a real listening server on
 * PostgreSQL and Redis, driven by role and accessible name: an admin adds a member, who sets a
 * password from the emailed welcome link and lands signed in; the admin changes their role (their
 * session ends) and deactivates them; the audit log shows it all and filters by action. The last
 * admin cannot be demoted, a viewer sees neither page, an unknown welcome link says so. Every page
 * state gets axe-core and a screenshot (.test-results/screenshots).
 */
import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  builtWebAssets,
  checked,
  consoleOrigin,
  launchBrowser,
  newContext,
  signedIn as signedInAs,
} from "../support/browser.js";
import { newOrganisation } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { welcomeTokens } from "../support/users.js";

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

function signedIn(role: "admin" | "member" | "viewer", organisation = organisationId): Promise<Page> {
  return signedInAs(browser, server, organisation, role);
}

/** describedText is what a control's aria-describedby elements say. */
async function describedText(page: Page, control: ReturnType<Page["getByRole"]>): Promise<string> {
  const ids = ((await control.getAttribute("aria-describedby")) ?? "").split(" ").filter(Boolean);
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
  return texts.join(" ");
}

/** londonToday is today's date in London, as a date input holds it. */
function londonToday(): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date());
}

describe("an admin's team", () => {
  it("adds a member who sets a password and signs in; a role change ends their session; deactivation; the audit log", async () => {
    const admin = await signedIn("admin");
    await admin.getByRole("navigation").getByRole("link", { name: "Team" }).click();
    await admin.getByRole("heading", { name: "Team" }).waitFor();
    await checked(admin, "console-team");

    // Add a member: a malformed email is refused next to the field, then the invitation goes out.
    await admin.getByRole("button", { name: "Add member" }).click();
    const dialog = admin.getByRole("dialog");
    const role = dialog.getByRole("combobox", { name: "Role", exact: true });
    expect(await role.locator("option").allTextContents()).toEqual(["admin", "member", "viewer"]);
    await checked(admin, "console-team-add");
    const emailBox = dialog.getByRole("textbox", { name: "Email" });
    await emailBox.fill("not-an-email");
    await dialog.getByRole("button", { name: "Send invitation" }).click();
    await expect.poll(() => emailBox.getAttribute("aria-invalid")).toBe("true");
    expect(await describedText(admin, emailBox)).toMatch(/Email is not an email address/);
    await checked(admin, "console-team-add-refused");

    const email = `member-${randomBytes(4).toString("hex")}@example.com`;
    await emailBox.fill(email);
    await role.selectOption({ label: "member" });
    await dialog.getByRole("button", { name: "Send invitation" }).click();
    await admin.getByRole("dialog").waitFor({ state: "detached" });
    const row = admin.getByRole("row").filter({ hasText: email });
    await expect.poll(() => row.textContent()).toContain("Invited");
    await checked(admin, "console-team-invited");
    // The email went astray: the admin sends a new link, which voids the first.
    await row.getByRole("button", { name: "Resend invitation" }).click();
    await expect.poll(() => row.getByRole("status").textContent()).toBe("Sent.");
    const [first, token] = await welcomeTokens(server, email);
    expect(token).toBeTruthy();
    expect(token).not.toBe(first);

    // The member opens the emailed link without a session and chooses a password.
    const member = await (await newContext(browser)).newPage();
    await member.goto(`${origin}/console/welcome/${token}`);
    await member.getByRole("heading", { name: "Welcome to the Direct Debit console" }).waitFor();
    await checked(member, "console-welcome");

    const password = member.getByLabel("Password", { exact: true });
    const again = member.getByLabel("Password again", { exact: true });
    const setPassword = member.getByRole("button", { name: "Set password and sign in" });
    await password.fill("correct horse battery staple");
    await again.fill("correct horse battery stapler");
    await setPassword.click();
    await expect.poll(() => again.getAttribute("aria-invalid")).toBe("true");
    expect(await describedText(member, again)).toMatch(/not the same/);
    await checked(member, "console-welcome-mismatch");

    await password.fill("too short");
    await again.fill("too short");
    await setPassword.click();
    await expect.poll(() => password.getAttribute("aria-invalid")).toBe("true");
    expect(await describedText(member, password)).toMatch(/Password must be at least 12 characters/);
    expect(await again.getAttribute("aria-invalid")).toBeNull();
    await checked(member, "console-welcome-refused");

    await password.fill("correct horse battery staple");
    await again.fill("correct horse battery staple");
    await setPassword.click();
    await member.getByRole("button", { name: "Sign out" }).waitFor();
    await member.getByRole("heading", { name: "Mandates" }).waitFor();
    expect(new URL(member.url()).pathname).toBe("/console/");
    expect(await member.getByRole("banner").textContent()).toContain(email);
    await checked(member, "console-welcome-signed-in");

    // The admin makes the member a viewer; the confirmation says their sessions end.
    await admin.reload();
    await expect.poll(() => row.textContent()).toContain("Active");
    await row.getByRole("button", { name: "Change role" }).click();
    const change = admin.getByRole("dialog");
    expect(await change.textContent()).toMatch(/ends all their sessions at once/);
    await change.getByRole("combobox", { name: "New role" }).selectOption({ label: "viewer" });
    await checked(admin, "console-team-change-role");
    await change.getByRole("button", { name: "Change role" }).click();
    await admin.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => row.getByRole("cell").first().textContent()).toBe("viewer");

    // The member's next page load finds the session gone and asks them to sign in.
    await member.goto(`${origin}/console/mandates`);
    await member.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await member.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    await checked(member, "console-welcome-session-ended");
    await member.context().close();

    // The admin deactivates the member: gone from the list, listed again with the deactivated.
    await row.getByRole("button", { name: "Deactivate" }).click();
    const deactivate = admin.getByRole("dialog");
    expect(await deactivate.textContent()).toMatch(/Every session of theirs ends at once/);
    await checked(admin, "console-team-deactivate");
    await deactivate.getByRole("button", { name: "Deactivate user" }).click();
    await admin.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => row.count()).toBe(0);
    await admin.getByRole("checkbox", { name: "Show deactivated users" }).check();
    await expect.poll(() => row.textContent()).toContain("Deactivated");
    expect(await row.getByRole("button").count()).toBe(0);
    await checked(admin, "console-team-deactivated");

    // The audit log holds each step, and filters by action.
    await admin.getByRole("navigation").getByRole("link", { name: "Audit log" }).click();
    await admin.getByRole("heading", { name: "Audit log" }).waitFor();
    const events = admin.getByRole("table", { name: "Audit events" });
    await events.waitFor();
    for (const action of ["user.create", "user.complete_welcome", "user.set_role", "user.deactivate"])
      await expect
        .poll(() => events.getByRole("row").filter({ hasText: action }).count(), { message: action })
        .toBeGreaterThan(0);
    await checked(admin, "console-audit-log");

    await admin.getByRole("textbox", { name: "Action" }).fill("user.set_role");
    await admin.getByLabel("From", { exact: true }).fill(londonToday());
    await admin.getByLabel("To", { exact: true }).fill(londonToday());
    await admin.getByRole("button", { name: "Apply filters" }).click();
    const bodyRows = events.locator("tbody tr");
    await expect.poll(() => bodyRows.count()).toBe(1);
    expect(await bodyRows.textContent()).toMatch(/user\.set_role.*member → viewer/);
    expect(await bodyRows.textContent()).toContain(email);
    await checked(admin, "console-audit-log-filtered");

    // A range that ends before it starts is refused next to To, before asking the service.
    await admin.getByLabel("From", { exact: true }).fill("2026-12-08");
    await admin.getByLabel("To", { exact: true }).fill("2026-12-01");
    await admin.getByRole("button", { name: "Apply filters" }).click();
    const to = admin.getByLabel("To", { exact: true });
    await expect.poll(() => to.getAttribute("aria-invalid")).toBe("true");
    await checked(admin, "console-audit-log-bad-range");

    await admin.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(() => bodyRows.count()).toBeGreaterThan(3);
    expect(await admin.getByRole("textbox", { name: "Action" }).inputValue()).toBe("");
    await admin.context().close();
  }, 120_000);

  it("shows the service's refusal to demote the organisation's last admin", async () => {
    const lone = await newOrganisation(server, true);
    const admin = await signedIn("admin", lone);
    await admin.goto(`${origin}/console/team`);
    const row = admin.getByRole("row").filter({ hasText: "(you)" });
    await row.getByRole("button", { name: "Change role" }).click();
    const dialog = admin.getByRole("dialog");
    expect(await dialog.textContent()).toContain("This is you: you will be signed out.");
    await dialog.getByRole("combobox", { name: "New role" }).selectOption({ label: "member" });
    await dialog.getByRole("button", { name: "Change role" }).click();
    await expect.poll(() => dialog.getByRole("alert").textContent()).toMatch(/last active admin/);
    await checked(admin, "console-team-last-admin");
    await admin.context().close();
  });
});

describe("a viewer", () => {
  it("sees neither the Team nor the Audit log page", async () => {
    const viewer = await signedIn("viewer");
    const nav = viewer.getByRole("navigation");
    await nav.getByRole("link", { name: "Mandates" }).waitFor();
    expect(await nav.getByRole("link", { name: "Team" }).count()).toBe(0);
    expect(await nav.getByRole("link", { name: "Audit log" }).count()).toBe(0);
    for (const path of ["team", "audit-log"]) {
      await viewer.goto(`${origin}/console/${path}`);
      await viewer.getByText("Only admins can open this page.").waitFor();
    }
    expect(await viewer.getByRole("button", { name: "Add member" }).count()).toBe(0);
    await checked(viewer, "console-team-viewer");
    await viewer.context().close();
  });
});

describe("a welcome link that does not work", () => {
  it("says the link is no longer valid and what to do", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${origin}/console/welcome/${randomBytes(32).toString("base64url")}`);
    await page.getByLabel("Password", { exact: true }).fill("correct horse battery staple");
    await page.getByLabel("Password again", { exact: true }).fill("correct horse battery staple");
    await page.getByRole("button", { name: "Set password and sign in" }).click();
    await page.getByRole("heading", { name: "This link is no longer valid" }).waitFor();
    expect(await page.getByRole("link", { name: "sign in" }).getAttribute("href")).toBe("/console/");
    await checked(page, "console-welcome-gone");
    await page.context().close();
  });
});
