/**
 * The client's retry policy and webhook check on their own: what is retried, how long it waits,
 * when it gives up; which signatures verify.
 */
import { createHmac } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { callInterceptors } from "../../clients/typescript/src/clients.js";
import { ApiKeyService } from "../../clients/typescript/src/gen/dd/v1/api_keys_pb.js";
import { MandateService } from "../../clients/typescript/src/gen/dd/v1/mandates_pb.js";
import { ErrorInfoSchema, RetryInfoSchema } from "../../clients/typescript/src/gen/google/rpc/error_details_pb.js";
import { idempotencyKeyInterceptor } from "../../clients/typescript/src/idempotency.js";
import { retryInterceptor, serviceWaitMs } from "../../clients/typescript/src/retry.js";
import { verifyWebhook } from "../../clients/typescript/src/webhook.js";

/** answering makes a client whose server fails each call with the next of `errors`, then answers. */
function answering(errors: ConnectError[], options: Parameters<typeof retryInterceptor>[0] = {}) {
  const waits: number[] = [];
  const keys: (string | null)[] = [];
  const transport = createRouterTransport(
    ({ service }) => {
      /** answer records the call's key and fails it with the next error, or answers `id`. */
      const answer = (ctx: { requestHeader: Headers }, id: string) => {
        keys.push(ctx.requestHeader.get("Idempotency-Key"));
        const error = errors.shift();
        if (error) throw error;
        return { id };
      };
      service(MandateService, {
        getMandate: (_req, ctx) => answer(ctx, "MD1"),
        createMandate: (_req, ctx) => answer(ctx, "MD2"),
      });
    },
    {
      transport: {
        interceptors: [
          idempotencyKeyInterceptor(),
          retryInterceptor({ random: () => 1, sleep: async (ms) => void waits.push(ms), ...options }),
        ],
      },
    },
  );
  return { client: createClient(MandateService, transport), waits, keys };
}

const exhausted = (seconds: number) =>
  new ConnectError("over the limit", Code.ResourceExhausted, undefined, [
    { desc: RetryInfoSchema, value: { retryDelay: create(DurationSchema, { seconds: BigInt(seconds) }) } },
  ]);

describe("the client's retries", () => {
  it("waits as long as the service asks when over the limit, and at least the back-off", async () => {
    const { client, waits } = answering([exhausted(3), exhausted(0)]);
    expect((await client.getMandate({ mandateId: "MD1" })).id).toBe("MD1");
    // What the service asked for, then up to the back-off's ceiling of jitter (random() is 1 here).
    expect(waits).toEqual([3200, 400]);
  });

  it("sends a write again with the same Idempotency-Key, and a read without one", async () => {
    const write = answering([new ConnectError("reset", Code.Unavailable)]);
    await write.client.createMandate({});
    expect(write.keys).toHaveLength(2);
    expect(write.keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(write.keys[1]).toBe(write.keys[0]);
    const read = answering([new ConnectError("reset", Code.Unavailable)]);
    await read.client.getMandate({ mandateId: "MD1" });
    expect(read.keys).toEqual([null, null]);
  });

  it("retries ABORTED only for a key still in use, and nothing else", async () => {
    const inUse = new ConnectError("in progress", Code.Aborted, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "IDEMPOTENCY_KEY_IN_USE", domain: "dd" } },
    ]);
    expect((await answering([inUse]).client.createMandate({})).id).toBe("MD2");
    for (const code of [Code.Aborted, Code.InvalidArgument, Code.NotFound, Code.Internal]) {
      const { client, keys } = answering([new ConnectError("no", code)]);
      await expect(client.createMandate({})).rejects.toMatchObject({ code });
      expect(keys).toHaveLength(1);
    }
  });

  it("sends a write that takes no key again only when the service refused it before doing it", async () => {
    const keyless = (errors: ConnectError[]) => {
      const sent: number[] = [];
      const transport = createRouterTransport(
        ({ service }) =>
          service(ApiKeyService, {
            createApiKey: () => {
              sent.push(1);
              const error = errors.shift();
              if (error) throw error;
              return { apiKey: { id: "AK1" } };
            },
          }),
        { transport: { interceptors: callInterceptors({ baseUrl: "http://x", retry: { sleep: async () => {} } }) } },
      );
      return { client: createClient(ApiKeyService, transport), sent };
    };
    // Cut off: the key may exist already, so it is not created again behind the caller's back.
    const cut = keyless([new ConnectError("reset", Code.Unavailable)]);
    await expect(cut.client.createApiKey({})).rejects.toMatchObject({ code: Code.Unavailable });
    expect(cut.sent).toHaveLength(1);
    const limited = keyless([exhausted(1)]);
    expect((await limited.client.createApiKey({})).apiKey?.id).toBe("AK1");
    expect(limited.sent).toHaveLength(2);
    // Exhausted without a wait to honour (a request too large): the same every time, not retried.
    const tooLarge = keyless([new ConnectError("too large", Code.ResourceExhausted)]);
    await expect(tooLarge.client.createApiKey({})).rejects.toMatchObject({ code: Code.ResourceExhausted });
    expect(tooLarge.sent).toHaveLength(1);
  });

  it("reads Retry-After when there is no RetryInfo, the longer of the two when both", () => {
    const header = new ConnectError("over", Code.ResourceExhausted, new Headers({ "retry-after": "2" }));
    expect(serviceWaitMs(header)).toBe(2000);
    const both = new ConnectError("over", Code.ResourceExhausted, new Headers({ "retry-after": "2" }), [
      { desc: RetryInfoSchema, value: { retryDelay: create(DurationSchema, { seconds: 1n, nanos: 235_000_000 }) } },
    ]);
    expect(serviceWaitMs(both)).toBe(2000);
  });

  it("sends the API key as a Bearer token", async () => {
    let authorization: string | null = null;
    const transport = createRouterTransport(
      ({ service }) =>
        service(MandateService, {
          getMandate: (_req, ctx) => {
            authorization = ctx.requestHeader.get("authorization");
            return {};
          },
        }),
      { transport: { interceptors: callInterceptors({ baseUrl: "http://x", apiKey: "dd_test_k" }) } },
    );
    await createClient(MandateService, transport).getMandate({ mandateId: "MD1" });
    expect(authorization).toBe("Bearer dd_test_k");
  });

  it("gives up after maxAttempts, or when the next wait would pass the deadline", async () => {
    const unavailable = () => new ConnectError("down", Code.Unavailable);
    const tries = answering([unavailable(), unavailable(), unavailable()], { maxAttempts: 2 });
    await expect(tries.client.createMandate({})).rejects.toMatchObject({ code: Code.Unavailable });
    expect(tries.keys).toHaveLength(2);
    const late = answering([exhausted(60)], { deadlineMs: 30_000 });
    await expect(late.client.getMandate({ mandateId: "MD1" })).rejects.toMatchObject({ code: Code.ResourceExhausted });
    expect(late.waits).toEqual([]);
  });
});

describe("verifyWebhook", () => {
  const body = '{"id":"EV1","type":"mandate.active"}';
  const now = 1_800_000_000;
  const sign = (secret: string, t: number, raw = body) =>
    createHmac("sha256", secret).update(`${t}.${raw}`).digest("hex");

  it("accepts a body signed with a secret in force, during a rotation with either", async () => {
    const header = `t=${now},v1=${sign("whsec_new", now)},v1=${sign("whsec_old", now)}`;
    expect(await verifyWebhook(body, header, ["whsec_new"], { nowSeconds: now })).toBe(true);
    expect(await verifyWebhook(body, header, ["whsec_old"], { nowSeconds: now + 299 })).toBe(true);
  });

  it("refuses another secret, a changed body, a stale or future time, and a malformed header", async () => {
    const header = `t=${now},v1=${sign("whsec_a", now)}`;
    expect(await verifyWebhook(body, header, ["whsec_b"], { nowSeconds: now })).toBe(false);
    expect(await verifyWebhook(`${body} `, header, ["whsec_a"], { nowSeconds: now })).toBe(false);
    expect(await verifyWebhook(body, header, ["whsec_a"], { nowSeconds: now + 301 })).toBe(false);
    expect(await verifyWebhook(body, header, ["whsec_a"], { nowSeconds: now - 301 })).toBe(false);
    for (const bad of [
      "",
      `v1=${sign("whsec_a", now)}`,
      `t=${now}`,
      `t=x,v1=${sign("whsec_a", now)}`,
      `t=${now},v1=${sign("whsec_a", now).slice(0, 63)}`,
      `t=${now},v1=${sign("whsec_a", now)}00`,
    ])
      expect(await verifyWebhook(body, bad, ["whsec_a"], { nowSeconds: now }), bad).toBe(false);
    // Upper-case hex is the same signature; an empty secret signs nothing.
    expect(
      await verifyWebhook(body, header.toUpperCase().replace("T=", "t=").replace("V1=", "v1="), ["whsec_a"], {
        nowSeconds: now,
      }),
    ).toBe(true);
    expect(await verifyWebhook(body, header, ["", "whsec_a"], { nowSeconds: now })).toBe(true);
  });
});
