import type { MikroORM } from "@mikro-orm/postgresql";
import { describe, expect, it } from "vitest";
import { testPasswordCost } from "../../../test/support/test-password-cost.js";
import { systemClock } from "../../platform/clock.js";
import { createLogger } from "../../platform/observability/logger.js";
import { createInProcessCounter } from "../../platform/redis/window-counter.js";
import { SecretCipher } from "../../platform/secret-cipher.js";
import { PasswordHasher } from "./password.js";
import { SessionManager } from "./session.service.js";

/** An ORM that counts the EntityManagers asked of it and refuses to query. */
function countingOrm() {
  const orm = {
    forks: 0,
    em: {
      fork() {
        orm.forks++;
        const em = {
          setFilterParams() {},
          transactional: (work: (tx: unknown) => Promise<unknown>) => work(em),
          findOne: () => Promise.reject(new Error("queried the database")),
        };
        return em;
      },
    },
  };
  return orm;
}

function manager(orm: ReturnType<typeof countingOrm>) {
  return new SessionManager({
    orm: orm as unknown as MikroORM,
    clock: systemClock,
    counter: createInProcessCounter(),
    logger: createLogger("silent"),
    allowedOrigins: [],
    totpCipher: new SecretCipher("totp-secret/v1", "test-key-material-0123456789abcdef"),
    passwords: new PasswordHasher(testPasswordCost),
  });
}

describe("SessionManager.verify", () => {
  it("refuses a cookie that is not the shape of a session token without querying", async () => {
    const orm = countingOrm();
    const sessions = manager(orm);
    for (const token of [
      "x",
      "a".repeat(42),
      "a".repeat(44),
      `${"a".repeat(42)}=`,
      `${"a".repeat(42)}+`,
      "%00".repeat(15),
    ]) {
      expect(await sessions.verify(token, null)).toBeUndefined();
    }
    expect(orm.forks).toBe(0);
  });

  it("looks a well-formed token up", async () => {
    const orm = countingOrm();
    await expect(manager(orm).verify("A".repeat(43), null)).rejects.toThrow("queried the database");
    expect(orm.forks).toBe(1);
  });
});
