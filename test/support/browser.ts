/**
 * browser.ts drives Debian's Chromium through playwright-core (no browser download: the machine has
 * no internet) for the browser tests: one browser per test file, a fresh context per person, a
 * screenshot of every page under .test-results/screenshots, and axe-core on every page.
 */
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import type { RoleName } from "../../src/modules/identity/scopes.js";
import { loadWebAssets, type WebAssets } from "../../src/rpc/web-assets.js";
import { newUser } from "./fixtures.js";
import type { TestServer } from "./test-server.js";

export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const screenshotDir = join(process.cwd(), ".test-results", "screenshots");

/** launchBrowser starts headless Chromium with the flags a container needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      // Date inputs and number formats as a UK office sees them.
      "--lang=en-GB",
    ],
  });
}

/** builtWebAssets loads web/dist, failing clearly when `npm run build:web` has not run. */
export async function builtWebAssets(): Promise<WebAssets> {
  const assets = await loadWebAssets(join(process.cwd(), "web", "dist"));
  if (!assets.built) throw new Error("web/dist is not built: run `npm run build:web` (npm test does it first)");
  return assets;
}

/** A phone's viewport (iPhone 12–15 class), for the payer's page. */
export const phone = { width: 390, height: 844 };
/** The console's screenshot size. */
export const desktop = { width: 1280, height: 800 };

/** newContext opens a fresh profile (its own cookies) at a viewport; the console is on localhost. */
export async function newContext(browser: Browser, viewport = desktop): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, locale: "en-GB", timezoneId: "Europe/London" });
  context.setDefaultTimeout(15_000);
  return context;
}

/** screenshot saves the page as <name>.png under .test-results/screenshots (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

let axeSource: string | undefined;

/** AxeViolation is one rule axe-core found broken, with how many elements break it. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

/**
 * seriousAxeViolations runs axe-core on the page as it is and returns the serious and critical
 * violations. The source is evaluated over the DevTools protocol, which the pages' CSP does not
 * govern, so the pages keep their strict policy under test.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: {
          run(): Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: unknown[] }[];
          }>;
        };
      }
    ).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** consoleOrigin is where a browser reaches the test server: localhost, so the __Host- cookie works. */
export function consoleOrigin(server: TestServer): string {
  return `http://localhost:${server.port}`;
}

/** signedIn opens the console as a new user of the role, signed in through the form. */
export async function signedIn(
  browser: Browser,
  server: TestServer,
  organisationId: string,
  role: RoleName,
): Promise<Page> {
  const user = await newUser(server, organisationId, role);
  const page = await (await newContext(browser)).newPage();
  await page.goto(`${consoleOrigin(server)}/console/`);
  await page.getByRole("textbox", { name: "Email" }).fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  return page;
}

/** checked saves the page's screenshot and expects no serious or critical axe-core violation. */
export async function checked(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousAxeViolations(page), name).toEqual([]);
}

const ukDateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

/** ukDate writes a contract date ("2026-12-27") as the pages do: "27 Dec 2026". */
export function ukDate(iso: string): string {
  return ukDateFormat.format(new Date(`${iso}T00:00:00Z`));
}
