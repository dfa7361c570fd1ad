/**
 * Failures as people read them, in real Chromium: a lost connection offers a retry that works once
 * the network is back, and a user over their rate limit is told how long to wait (a server whose
 * per-user limit is a handful of calls).
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtWebAssets, checked, launchBrowser, signedIn } from "../support/browser.js";
import { newOrganisation } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let browser: Browser;
const servers: TestServer[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
});

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const started = await startTestServer({ webAssets: await builtWebAssets(), ...options });
  servers.push(started);
  return started;
}

describe("a lost connection", () => {
  it("says so with a retry, which loads the page once the network is back", async () => {
    const api = await server();
    const page = await signedIn(browser, api, await newOrganisation(api), "viewer");
    await page.route("**/dd.v1.*/**", (route) => route.abort("internetdisconnected"));
    await page.getByRole("navigation").getByRole("link", { name: "Mandates" }).click();
    const alert = page.getByRole("alert");
    await expect.poll(() => alert.textContent(), { timeout: 20_000 }).toMatch(/connection to the service was lost/);
    await checked(page, "console-connection-lost");
    await page.unroute("**/dd.v1.*/**");
    await alert.getByRole("button", { name: "Try again" }).click();
    await page.getByText("No mandates match.").waitFor();
    await page.context().close();
  }, 60_000);
});

describe("a user over their rate limit", () => {
  it("is told how many seconds to wait", async () => {
    const api = await server({ rateLimit: { sessionPerMinute: 3, sessionBurst: 3 } });
    const page = await signedIn(browser, api, await newOrganisation(api), "viewer");
    const nav = page.getByRole("navigation");
    // Each page asks for something new; the limit runs out within a few visits.
    for (let i = 0; i < 6 && (await page.getByText(/Too many requests/).count()) === 0; i++) {
      await nav.getByRole("link", { name: i % 2 ? "Mandates" : "Reports" }).click();
      await page.waitForLoadState("networkidle");
    }
    const alert = page.getByRole("alert").filter({ hasText: "Too many requests" }).first();
    await expect.poll(() => alert.textContent()).toMatch(/please wait \d+ seconds? and try again/);
    await checked(page, "console-rate-limited");
    await page.context().close();
  }, 60_000);
});
