/**
 * webhook-sender.ts makes one delivery attempt: a POST of the body with its headers, success being
 * a 2xx answer within the timeout (10 s). Redirects are not followed (a 3xx is a failure), the answer's
 * body is not read, and, unless private networks are allowed, the connection is refused before it is
 * opened to any non-public address: every address a name resolves to is checked, and the address the
 * socket connected to is checked again (target-address.ts).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP, type LookupFunction, type Socket } from "node:net";
import { addressRefusal } from "./target-address.js";

/** AttemptOutcome is what one attempt got. */
export interface AttemptOutcome {
  ok: boolean;
  /** The answer's HTTP status; 0 when none came. */
  status: number;
  latencyMs: number;
  /** Why it failed, for people; undefined on success. */
  error?: string;
}

/** WebhookSenderOptions shape every attempt of one sender. */
export interface WebhookSenderOptions {
  allowPrivateNetworks: boolean;
  /** Longest wait for the answer's headers, ms (default 10 s). */
  timeoutMs?: number | undefined;
}

/** WebhookSender posts deliveries over kept-alive connections. */
export class WebhookSender {
  private readonly timeoutMs: number;
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly options: WebhookSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const lookup = options.allowPrivateNetworks ? undefined : publicOnlyLookup;
    const agentOptions = { keepAlive: true, maxSockets: 16, lookup, autoSelectFamily: false };
    this.httpAgent = new HttpAgent(agentOptions);
    this.httpsAgent = new HttpsAgent(agentOptions);
  }

  /** send POSTs `body` to `url` and reports the outcome; it never throws. */
  send(url: string, body: string, headers: Readonly<Record<string, string>>): Promise<AttemptOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<AttemptOutcome>((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ ok: false, status: 0, latencyMs: 0, error: "the URL is not valid" });
        return;
      }
      const host = target.hostname.replace(/^\[|\]$/g, "");
      // A literal address is never looked up, so it is checked here (and again once connected).
      const literalRefusal = !this.options.allowPrivateNetworks && isIP(host) !== 0 ? addressRefusal(host) : undefined;
      if (literalRefusal) {
        resolve({ ok: false, status: 0, latencyMs: 0, error: literalRefusal });
        return;
      }
      const https = target.protocol === "https:";
      const request = (https ? httpsRequest : httpRequest)(target, {
        method: "POST",
        agent: https ? this.httpsAgent : this.httpAgent,
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body).toString(),
          "user-agent": "dd-webhooks/1",
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      request.on("socket", (socket: Socket) => {
        if (this.options.allowPrivateNetworks) return;
        const check = () => {
          const refusal = socket.remoteAddress ? addressRefusal(socket.remoteAddress) : "no remote address";
          if (refusal) request.destroy(new Error(refusal));
        };
        // A reused connection was checked when it opened; a new one is checked once it is open.
        if (socket.remoteAddress) check();
        else socket.once("connect", check);
      });
      request.on("response", (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        response.resume(); // the answer's body means nothing to us; drain it so the connection is reused
        const ok = status >= 200 && status < 300;
        resolve({ ok, status, latencyMs: elapsed(), ...(ok ? {} : { error: `HTTP ${status}` }) });
      });
      request.on("error", (error: Error) => {
        const timedOut = error.name === "TimeoutError" || error.name === "AbortError";
        resolve({
          ok: false,
          status: 0,
          latencyMs: elapsed(),
          error: timedOut ? `no answer within ${this.timeoutMs / 1000} s` : error.message.slice(0, 300),
        });
      });
      request.end(body);
    });
  }

  /** close ends the kept-alive connections. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** publicOnlyLookup resolves like the system does, and fails when any address found is not public. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, "", 0);
    const refusal = addresses.map((a) => addressRefusal(a.address)).find((r) => r !== undefined);
    if (refusal || addresses.length === 0) {
      return callback(new Error(refusal ?? `${hostname} has no address`), "", 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const [first] = addresses as [LookupAddress];
    return callback(null, first.address, first.family);
  });
};
