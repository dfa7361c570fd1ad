/**
 * The API reference on the API's own port: GET /openapi.json is the committed OpenAPI document, and
 * /docs renders it for people in a browser, its style allowed by the page's CSP and nothing else.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import committed from "../../openapi/openapi.json" with { type: "json" };
import { launchBrowser, newContext } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ withoutRedis: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the API reference", () => {
  it("serves the committed OpenAPI document, to any origin", async () => {
    const answer = await fetch(`${server.baseUrl}/openapi.json`, { headers: { origin: "https://editor.example" } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/json");
    expect(answer.headers.get("access-control-allow-origin")).toBe("*");
    expect(await answer.json()).toEqual(committed);
    const head = await fetch(`${server.baseUrl}/openapi.json`, { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
  });

  it("renders every operation at /docs, styled under a CSP that allows nothing else", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const violations: string[] = [];
    page.on("console", (message) => violations.push(message.text()));
    const answer = await page.goto(`${server.baseUrl}/docs`);
    expect(answer?.headers()["content-security-policy"]).toMatch(/^default-src 'none'; style-src 'sha256-/);
    await page.getByRole("heading", { name: "Direct Debit API reference", level: 1 }).waitFor();
    const operations = Object.values(committed.paths).flatMap((verbs) => Object.values(verbs));
    expect(await page.locator("section.operation").count()).toBe(operations.length);
    await page.getByRole("navigation", { name: "Services" }).getByRole("link", { name: "MandateService" }).click();
    await expect
      .poll(() => page.getByText("Lists the organisation's mandates, newest first (by create_time).").isVisible())
      .toBe(true);
    // The style block ran: the hash in the CSP is the block's.
    expect(await page.evaluate(() => getComputedStyle(document.body).maxWidth)).toBe("960px");
    expect(violations).toEqual([]);
    await context.close();
  });
});
