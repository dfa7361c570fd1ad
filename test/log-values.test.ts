/**
 * No value a statement carried reaches a log line. MikroORM writes the values into the SQL it sends
 * (platform.formatQuery), knex puts that SQL into the error message, and PostgreSQL's own message or
 * DETAIL may quote the row: all of it went into the "unexpected error" line. Here the database refuses a payer's rows for
 * a reason no code expects (a CHECK constraint an administrator added), and the log must still say
 * what failed (SQLSTATE, constraint, table) without the payer's email, name or bank details.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeInvite, latestInviteToken, newTenant, rest, type Tenant } from "./support/mandates.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
let tenant: Tenant;

beforeAll(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
  // NOT VALID: the constraint judges new and changed rows only, as one added to a live table would.
  await server.admin.em
    .fork()
    .execute(
      "alter table mandate add constraint forced_failure check (payer_email not like '%@refused.example' " +
        "and (sort_code is null or payer_name <> 'Refused Bank Details')) not valid",
    );
  // A refusal whose own text quotes the row, as PostgreSQL's does for some errors (and its DETAIL
  // does when row-level security is off): only the log serializer stands between it and the log.
  await server.admin.em.fork().execute(
    `create function refuse_flagged_payer() returns trigger language plpgsql as $$
     begin
       if new.payer_name = 'Trigger Refusal' then
         raise exception 'refusing payer %', new.payer_email
           using detail = 'payer name ' || new.payer_name, hint = 'email ' || new.payer_email;
       end if;
       return new;
     end $$`,
  );
  await server.admin.em
    .fork()
    .execute(
      "create trigger refuse_flagged_payer before insert on mandate for each row execute function refuse_flagged_payer()",
    );
});

afterAll(async () => {
  await server?.close();
});

/** closeServer closes the server inside a test (its log's last lines are written at close). */
async function closeServer(): Promise<void> {
  const closing = server;
  server = undefined as unknown as TestServer;
  await closing.close();
}

/** unexpectedErrors are the log lines the errors interceptor wrote for calls that failed unexpectedly. */
function unexpectedErrors(): Record<string, unknown>[] {
  return server.logs.filter((line) => line.msg === "unexpected error");
}

describe("a database error on a payer's row", () => {
  it("is logged with its SQLSTATE, constraint and table, without the values of the insert", async () => {
    const email = `payer-${randomBytes(4).toString("hex")}@refused.example`;
    const before = unexpectedErrors().length;
    const answer = await rest(server, "POST", "/v1/mandates", tenant.secret, {
      payer: { name: "Refused Insert Payer", email },
    });
    expect(answer.status).toBe(500);

    const logged = unexpectedErrors().slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.err).toMatchObject({ code: "23514", constraint: "forced_failure", table: "mandate" });
    const text = server.rawLogs.join("\n");
    expect(text).not.toContain(email);
    expect(text).not.toContain("Refused Insert Payer");
  });

  it("is logged without the values the database's own message and detail quote", async () => {
    const email = `payer-${randomBytes(4).toString("hex")}@example.com`;
    const before = unexpectedErrors().length;
    const answer = await rest(server, "POST", "/v1/mandates", tenant.secret, {
      payer: { name: "Trigger Refusal", email },
    });
    expect(answer.status).toBe(500);

    const logged = unexpectedErrors().slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.err).toMatchObject({ code: "P0001" });
    const text = server.rawLogs.join("\n");
    expect(text).not.toContain(email);
    expect(text).not.toContain("Trigger Refusal");
  });

  it("is logged without the bank details of the update", async () => {
    const email = `payer-${randomBytes(4).toString("hex")}@example.com`;
    const created = await rest(server, "POST", "/v1/mandates", tenant.secret, {
      payer: { name: "Refused Bank Details", email },
    });
    expect(created.status).toBe(200);
    const token = await latestInviteToken(server, email);
    const before = unexpectedErrors().length;
    const sortCode = "200415";
    const accountNumber = "31226819";
    const answer = await completeInvite(server, token, {
      account_holder_name: "Refused Holder",
      sort_code: sortCode,
      account_number: accountNumber,
      account_holder_confirmed: true,
    });
    expect(answer.status).toBe(500);

    const logged = unexpectedErrors().slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.err).toMatchObject({ code: "23514", constraint: "forced_failure", table: "mandate" });
    const text = server.rawLogs.join("\n");
    for (const value of [email, "Refused Holder", sortCode, accountNumber, "v2."]) expect(text).not.toContain(value);
  });

  it("is logged in full once per kind, and a burst of the same kind as a count", async () => {
    const email = () => `payer-${randomBytes(4).toString("hex")}@refused.example`;
    const before = unexpectedErrors().length;
    const rpcBefore = server.logs.length;
    for (let i = 0; i < 20; i++) {
      const answer = await rest(server, "POST", "/v1/mandates", tenant.secret, {
        payer: { name: "Burst", email: email() },
      });
      expect(answer.status).toBe(500);
    }
    // Each call still has its own line, with its request id and the kind of error that explains it.
    const failed = server.logs.slice(rpcBefore).filter((line) => line.msg === "rpc" && line.code === "Internal");
    expect(failed).toHaveLength(20);
    const kind = failed[0]!.error_kind as string;
    expect(kind).toMatch(/CreateMandate: .*23514 at [\w.-]+:\d+$/);
    expect(failed.every((line) => line.error_kind === kind)).toBe(true);
    // The first test logged this kind in full already; a full line appears again only if a quiet
    // minute ended that run before the burst. The rest are counted, in summaries written by close.
    const full = unexpectedErrors()
      .slice(before)
      .filter((line) => line.error_kind === kind).length;
    expect(full).toBeLessThanOrEqual(1);
    const logs = server.logs;
    await closeServer();
    const counted = logs
      .filter((line) => String(line.msg).startsWith("unexpected error (repeated") && line.kind === kind)
      .reduce((sum, line) => sum + Number(line.repeated), 0);
    expect(full + counted).toBe(20);
  });
});
