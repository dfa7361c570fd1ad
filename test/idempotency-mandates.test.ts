/**
 * Idempotency-Key on the real mandate writes (issue 5, acceptance 3), on a real server and
 * PostgreSQL: 50 concurrent CreateMandate calls with one key create exactly one mandate (and one
 * invite email), every caller getting that mandate or ABORTED IDEMPOTENCY_KEY_IN_USE, over REST and
 * over Connect; a replay after completion returns the same mandate marked Idempotent-Replayed; the
 * same key with another payer is INVALID_ARGUMENT IDEMPOTENCY_KEY_REUSED; CancelMandate replayed with
 * its key returns the first answer instead of failing; keys are per organisation.
 * Mandates are counted with ListMandates afterwards.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Mandate, MandateService } from "../gen/dd/v1/mandates_pb.js";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { inviteTokens, type MandateJson, reasonOf, rest, type Tenant } from "./support/mandates.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

/** A fresh sandbox organisation whose rate limit lets 50 calls through at once. */
async function tenant(): Promise<Tenant> {
  const organisationId = await newOrganisation(server, true);
  await server.admin.em
    .fork()
    .nativeUpdate(Organisation, { id: organisationId }, { rateLimitPerMinute: 100_000, rateLimitBurst: 10_000 });
  return { organisationId, secret: (await newApiKey(server, organisationId)).secret };
}

let seq = 0;
const payer = () => {
  seq++;
  return { name: `Idem Payer ${seq}`, email: `idem${seq}-${Date.now()}@example.com` };
};

interface RestCall {
  status: number;
  body: any;
  replayed: string | null;
}

async function restWithKey(
  method: string,
  path: string,
  secret: string,
  key: string,
  body: unknown,
): Promise<RestCall> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === "" ? undefined : JSON.parse(text),
    replayed: res.headers.get("idempotent-replayed"),
  };
}

/** mandatesOf lists every mandate of the organisation (ListMandates, one page of 500). */
async function mandatesOf(t: Tenant): Promise<MandateJson[]> {
  const answer = await rest(server, "GET", "/v1/mandates?page_size=500", t.secret);
  expect(answer.status).toBe(200);
  expect(answer.body.nextPageToken ?? "").toBe("");
  return (answer.body.mandates ?? []) as MandateJson[];
}

describe("50 concurrent CreateMandate calls with one Idempotency-Key", () => {
  it("over REST: create exactly one mandate; every caller gets it or ABORTED IDEMPOTENCY_KEY_IN_USE", async () => {
    const t = await tenant();
    const who = payer();
    const calls = await Promise.all(
      Array.from({ length: 50 }, () => restWithKey("POST", "/v1/mandates", t.secret, "create-rest-1", { payer: who })),
    );

    const listed = await mandatesOf(t);
    expect(listed).toHaveLength(1);
    const only = listed[0]!;
    const ok = calls.filter((c) => c.status === 200);
    const refused = calls.filter((c) => c.status !== 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const c of ok) expect(c.body.id).toBe(only.id);
    // Exactly one ran the write; the others that got the mandate got the stored answer, marked.
    expect(ok.filter((c) => c.replayed === null)).toHaveLength(1);
    for (const c of refused) {
      expect(c.status).toBe(409); // ABORTED
      expect(c.body.code).toBe("aborted");
      expect(reasonOf(c)).toBe("IDEMPOTENCY_KEY_IN_USE");
    }
    // One mandate, one invite email.
    expect(await inviteTokens(server, who.email)).toHaveLength(1);
    console.log(
      `REST: ${ok.length} got the mandate (${ok.length - 1} replays), ${refused.length} IDEMPOTENCY_KEY_IN_USE`,
    );
  });

  it("over Connect: the same", async () => {
    const t = await tenant();
    const who = payer();
    const transport = createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2" });
    const header = () => new Headers({ authorization: `Bearer ${t.secret}`, "idempotency-key": "create-connect-1" });
    const calls = await Promise.all(
      Array.from({ length: 50 }, async () => {
        try {
          const res = await transport.unary(MandateService.method.createMandate, undefined, undefined, header(), {
            mandate: { payer: who },
          });
          return {
            ok: true as const,
            mandate: res.message as Mandate,
            replayed: res.header.get("idempotent-replayed"),
          };
        } catch (error) {
          return { ok: false as const, error: ConnectError.from(error) };
        }
      }),
    );

    const listed = await mandatesOf(t);
    expect(listed).toHaveLength(1);
    let ran = 0;
    for (const c of calls) {
      if (c.ok) {
        expect(c.mandate.id).toBe(listed[0]!.id);
        if (c.replayed === null) ran++;
      } else {
        expect(c.error.code, c.error.message).toBe(Code.Aborted);
        expect(c.error.findDetails(ErrorInfoSchema)[0]?.reason).toBe("IDEMPOTENCY_KEY_IN_USE");
      }
    }
    expect(ran).toBe(1);
    expect(await inviteTokens(server, who.email)).toHaveLength(1);
  });
});

describe("CreateMandate replays and reuse", () => {
  it("replays the first answer after completion (Idempotent-Replayed: true), over REST and Connect, creating nothing", async () => {
    const t = await tenant();
    const who = payer();
    const first = await restWithKey("POST", "/v1/mandates", t.secret, "create-2", { payer: who });
    expect(first.status).toBe(200);
    expect(first.replayed).toBeNull();
    const again = await restWithKey("POST", "/v1/mandates", t.secret, "create-2", { payer: who });
    expect(again.status).toBe(200);
    expect(again.replayed).toBe("true");
    expect(again.body).toEqual(first.body);

    const transport = createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" });
    const res = await transport.unary(
      MandateService.method.createMandate,
      undefined,
      undefined,
      new Headers({ authorization: `Bearer ${t.secret}`, "idempotency-key": "create-2" }),
      { mandate: { payer: who } },
    );
    expect(res.message.id).toBe(first.body.id);
    expect(res.header.get("idempotent-replayed")).toBe("true");

    expect((await mandatesOf(t)).map((m) => m.id)).toEqual([first.body.id]);
    expect(await inviteTokens(server, who.email)).toHaveLength(1);
  });

  it("answers INVALID_ARGUMENT IDEMPOTENCY_KEY_REUSED for the same key with another payer, creating nothing", async () => {
    const t = await tenant();
    const first = await restWithKey("POST", "/v1/mandates", t.secret, "create-3", { payer: payer() });
    expect(first.status).toBe(200);
    const other = payer();
    const reused = await restWithKey("POST", "/v1/mandates", t.secret, "create-3", { payer: other });
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe("invalid_argument");
    expect(reasonOf(reused)).toBe("IDEMPOTENCY_KEY_REUSED");
    expect((await mandatesOf(t)).map((m) => m.id)).toEqual([first.body.id]);
    expect(await inviteTokens(server, other.email)).toHaveLength(0);
  });

  it("keeps keys per organisation: the same key in another organisation creates that organisation's own mandate", async () => {
    const [a, b] = [await tenant(), await tenant()];
    const who = payer();
    const inA = await restWithKey("POST", "/v1/mandates", a.secret, "shared-key", { payer: who });
    const inB = await restWithKey("POST", "/v1/mandates", b.secret, "shared-key", { payer: who });
    expect([inA.status, inB.status]).toEqual([200, 200]);
    expect(inB.replayed).toBeNull();
    expect(inB.body.id).not.toBe(inA.body.id);
    expect((await mandatesOf(a)).map((m) => m.id)).toEqual([inA.body.id]);
    expect((await mandatesOf(b)).map((m) => m.id)).toEqual([inB.body.id]);
  });
});

describe("CreateMandate and its idempotency record", () => {
  it("commit together: when the record cannot be stored the mandate is not created, and a retry creates it once", async () => {
    const t = await tenant();
    const who = payer();
    // A fault only in storing this key's answer: the write itself would succeed.
    const admin = server.admin.em.fork();
    await admin.execute(
      `create function refuse_lost_answer() returns trigger language plpgsql as $$
       begin if new.idempotency_key = 'lost-answer' and new.state = 'completed' then raise exception 'storage fault'; end if; return new; end $$`,
    );
    await admin.execute(
      `create trigger refuse_lost_answer before update on idempotency_record for each row execute function refuse_lost_answer()`,
    );
    let first: RestCall;
    try {
      first = await restWithKey("POST", "/v1/mandates", t.secret, "lost-answer", { payer: who });
    } finally {
      await admin.execute("drop trigger refuse_lost_answer on idempotency_record");
      await admin.execute("drop function refuse_lost_answer()");
    }
    expect(first.status).toBe(500);
    expect(await mandatesOf(t)).toEqual([]);
    const retry = await restWithKey("POST", "/v1/mandates", t.secret, "lost-answer", { payer: who });
    expect(retry.status).toBe(200);
    expect(retry.replayed).toBeNull();
    const replay = await restWithKey("POST", "/v1/mandates", t.secret, "lost-answer", { payer: who });
    expect(replay.replayed).toBe("true");
    expect((await mandatesOf(t)).map((m) => m.id)).toEqual([retry.body.id]);
  });
});

describe("CancelMandate with an Idempotency-Key", () => {
  it("replayed returns the first answer (CANCELLED) instead of failing; without the key a second cancel is FAILED_PRECONDITION", async () => {
    const t = await tenant();
    const created = await restWithKey("POST", "/v1/mandates", t.secret, "create-4", { payer: payer() });
    const id = created.body.id as string;
    const first = await restWithKey("POST", `/v1/mandates/${id}:cancel`, t.secret, "cancel-4", {
      reason: "tenant moved out",
    });
    expect(first.status).toBe(200);
    expect(first.body.state).toBe("MANDATE_STATE_CANCELLED");
    expect(first.replayed).toBeNull();

    const replay = await restWithKey("POST", `/v1/mandates/${id}:cancel`, t.secret, "cancel-4", {
      reason: "tenant moved out",
    });
    expect(replay.status).toBe(200);
    expect(replay.replayed).toBe("true");
    expect(replay.body).toEqual(first.body);

    // The mandate changed once: its update time is the first answer's.
    const now = await rest(server, "GET", `/v1/mandates/${id}`, t.secret);
    expect(now.body.state).toBe("MANDATE_STATE_CANCELLED");
    expect(now.body.updateTime).toBe(first.body.updateTime);

    // Another reason with the same key is another request.
    const reused = await restWithKey("POST", `/v1/mandates/${id}:cancel`, t.secret, "cancel-4", {
      reason: "something else",
    });
    expect(reused.status).toBe(400);
    expect(reasonOf(reused)).toBe("IDEMPOTENCY_KEY_REUSED");

    // Without a key (or with a fresh one) the second cancel is refused by the state machine.
    const unkeyed = await rest(server, "POST", `/v1/mandates/${id}:cancel`, t.secret, {});
    expect(unkeyed.status).toBe(400); // FAILED_PRECONDITION over the Connect/REST mapping
    expect(unkeyed.body.code).toBe("failed_precondition");
    const fresh = await restWithKey("POST", `/v1/mandates/${id}:cancel`, t.secret, "cancel-4b", {
      reason: "tenant moved out",
    });
    expect(fresh.body.code).toBe("failed_precondition");
    expect(fresh.replayed).toBeNull();

    expect(await mandatesOf(t)).toHaveLength(1);
  });
});
