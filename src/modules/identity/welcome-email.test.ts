import { describe, expect, it } from "vitest";
import { welcomeEmail, welcomeLink } from "./welcome-email.js";

describe("the welcome email", () => {
  it("links to <PUBLIC_BASE_URL>/console/welcome/<token>, whatever trailing slashes the base has", () => {
    expect(welcomeLink("https://dd.example.com//", "TOKEN")).toBe("https://dd.example.com/console/welcome/TOKEN");
    const mail = welcomeEmail({
      publicBaseUrl: "https://dd.example.com/",
      token: "TOKEN",
      email: "new@example.com",
      displayName: "",
      organisationName: "Acme Lettings",
      role: "member",
      expireTime: new Date("2026-12-14T12:00:00Z"),
    });
    expect(mail.to).toBe("new@example.com");
    expect(mail.subject).toContain("Acme Lettings");
    expect(mail.text).toContain("https://dd.example.com/console/welcome/TOKEN");
    expect(mail.text).toContain("Hello new@example.com,");
  });
});
