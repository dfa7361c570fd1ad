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
import { addressRefusal, hostOf } from "./target-address.js";

/** AttemptOutcome is what one attempt got. */
export interface AttemptOutcome {
  ok: boolean;
  /** The answer's HTTP status; 0 when none came. */
  status: number;
  latencyMs: number;
  /** Why it failed, for people; undefined on success. */
  error?: string;
  /** Nothing was sent, for a reason of ours (the receiver is not to blame). */
  notSent?: boolean;
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
    // As many connections to one host as a batch sends at once: none waits for a socket.
    const agentOptions = { keepAlive: true, maxSockets: 50, lookup, autoSelectFamily: false };
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
      const host = hostOf(target);
      const https = target.protocol === "https:";
      if (!this.options.allowPrivateNetworks) {
        // Saved while the rules were looser, perhaps: they hold at every attempt.
        if (!https) return resolve({ ok: false, status: 0, latencyMs: 0, error: "refused: the URL is not https" });
        // A literal address is never looked up, so it is checked here (and again once connected).
        if (isIP(host) !== 0 && addressRefusal(host))
          return resolve({ ok: false, status: 0, latencyMs: 0, error: notPublic });
      }
      const request = (https ? httpsRequest : httpRequest)(target, {
        method: "POST",
        agent: https ? this.httpsAgent : this.httpAgent,
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body).toString(),
          "user-agent": "dd-webhooks/1",
        },
      });
      let timer: NodeJS.Timeout | undefined;
      request.on("socket", (socket: Socket) => {
        // The 10 s run from the moment the request has a connection to go out on, not while it
        // queues, to the end of the answer: a body that never ends frees its connection then.
        timer = setTimeout(
          () => request.destroy(new AttemptError(`no answer within ${this.timeoutMs / 1000} s`)),
          this.timeoutMs,
        );
        if (this.options.allowPrivateNetworks) return;
        const check = () => {
          if (!socket.remoteAddress || addressRefusal(socket.remoteAddress))
            request.destroy(new AttemptError(notPublic));
        };
        // A reused connection was checked when it opened; a new one is checked once it is open.
        if (socket.remoteAddress) check();
        else socket.once("connect", check);
      });
      request.on("response", (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        // The body means nothing to us: drained, so that the connection is reused, within the 10 s.
        response.on("end", () => clearTimeout(timer)).on("close", () => clearTimeout(timer));
        response.resume();
        const ok = status >= 200 && status < 300;
        resolve({ ok, status, latencyMs: elapsed(), ...(ok ? {} : { error: `HTTP ${status}` }) });
      });
      request.on("error", (error: Error) => {
        clearTimeout(timer);
        resolve({ ok: false, status: 0, latencyMs: elapsed(), error: describeFailure(error) });
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

/**
 * notPublic is the one answer for a name that resolves to no public address, whether it resolves
 * to a private one or to none: the two must look alike to whoever reads a delivery's last_error, or
 * endpoints would map the names of our own network.
 */
const notPublic = "the host name does not resolve to a public address";

/** AttemptError is a failure whose message is written for the endpoint's owner as it is. */
class AttemptError extends Error {}

/**
 * describeFailure words a failed attempt for the endpoint's owner: our own refusals as they are, a
 * network error by its code alone (its message may name addresses), a name that does not resolve
 * as one that resolves to no public address.
 */
function describeFailure(error: Error): string {
  if (error instanceof AttemptError) return error.message;
  const code = (error as NodeJS.ErrnoException).code ?? "";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NODATA") return notPublic;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET" || code === "EPIPE") return "connection closed before an answer";
  if (code === "ETIMEDOUT" || code === "EHOSTUNREACH" || code === "ENETUNREACH") return "host unreachable";
  if (/^[A-Z0-9_]+$/.test(code)) return `the request failed (${code})`;
  return "the request failed";
}

/** publicOnlyLookup resolves like the system does, and fails when any address found is not public. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, "", 0);
    if (addresses.length === 0 || addresses.some((a) => addressRefusal(a.address) !== undefined)) {
      return callback(new AttemptError(notPublic), "", 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const [first] = addresses as [LookupAddress];
    return callback(null, first.address, first.family);
  });
};
