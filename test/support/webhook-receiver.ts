/**
 * webhook-receiver.ts is a receiver of webhooks for tests: a real HTTP server on 127.0.0.1 that
 * records every request (headers, raw body, arrival time) and answers as the test says.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** ReceivedWebhook is one request as it arrived. */
export interface ReceivedWebhook {
  headers: IncomingMessage["headers"];
  body: string;
  /** performance.now() when the body had arrived. */
  at: number;
}

/** Answer says what to do with a request: a status to answer, or "hang" to never answer. */
export type Answer = number | "hang";

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** answer decides each request's answer from its index (0-based) and content; 200 unless set. */
  answer: (index: number, request: ReceivedWebhook) => Answer;
  /** until resolves once `condition` holds of what was received (checked on each arrival and every 50 ms). */
  until(condition: (received: readonly ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** startReceiver listens on an ephemeral port of 127.0.0.1. */
export async function startReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const hanging = new Set<ServerResponse>();
  const receiver: WebhookReceiver = {
    url: "",
    received,
    answer: () => 200,
    async until(condition, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition(received)) {
        if (Date.now() > deadline) throw new Error(`receiver condition not met; ${received.length} received`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: performance.now() };
      const index = received.push(request) - 1;
      const answer = receiver.answer(index, request);
      if (answer === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      res.writeHead(answer, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
