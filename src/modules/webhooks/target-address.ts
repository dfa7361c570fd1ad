/**
 * target-address.ts decides where webhooks may go. A webhook URL is chosen by a customer but fetched
 * from inside our network, so without care it would let anyone probe or call our own services
 * (server-side request forgery). By default only https URLs are accepted and only public unicast
 * addresses are connected to: no loopback, private, shared (CGNAT), link-local (the cloud metadata
 * service at 169.254.169.254 included), multicast or reserved ones, in IPv4, IPv6 or IPv4-mapped
 * IPv6, and the IPv6 prefixes that embed an IPv4 address (NAT64, 6to4, Teredo) are refused
 * whole. The check is made on the address each connection is actually opened to (webhook-sender.ts),
 * not on a name resolved earlier, so a name that resolves differently the second time (DNS
 * rebinding) gains nothing. WEBHOOK_ALLOW_PRIVATE_NETWORKS=true lifts both rules, for local
 * development and tests.
 */
import { BlockList, isIP } from "node:net";

const refused = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // shared address space (CGNAT)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  refused.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 96], // unspecified, loopback, IPv4-compatible (::a.b.c.d)
  ["::ffff:0:0:0", 96], // SIIT-translated IPv4
  ["64:ff9b::", 96], // well-known NAT64: reaches whatever IPv4 address it embeds
  ["64:ff9b:1::", 48], // local-use NAT64
  ["2001::", 32], // Teredo, embeds an IPv4 address
  ["2002::", 16], // 6to4, embeds an IPv4 address
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const) {
  refused.addSubnet(network, prefix, "ipv6");
}

/** addressRefusal says why a connection to `address` is refused, or undefined if it may be opened. */
export function addressRefusal(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return `"${address.slice(0, 100)}" is not an IP address`;
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const blocked = mapped ? refused.check(mapped, "ipv4") : refused.check(address, family === 4 ? "ipv4" : "ipv6");
  return blocked ? `address ${address} is not public (loopback, private, link-local or reserved)` : undefined;
}

/** hostOf is a URL's host as an address or name: IPv6 without its brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/** TargetRules are the deployment's rules for webhook URLs. */
export interface TargetRules {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: http and non-public addresses allowed too. */
  allowPrivateNetworks: boolean;
}

/** urlProblem says what is wrong with a webhook URL, or undefined if it may be used. */
export function urlProblem(raw: string, rules: TargetRules): string | undefined {
  if (raw.length === 0) return "is required";
  if (raw.length > 2048) return "must be at most 2048 characters";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL, for example https://example.com/webhooks";
  }
  const schemes = rules.allowPrivateNetworks ? ["https:", "http:"] : ["https:"];
  if (!schemes.includes(url.protocol)) return "must be an https URL";
  if (url.username !== "" || url.password !== "") return "must not hold a user name or password";
  if (url.hash !== "") return "must not hold a fragment (#…)";
  if (rules.allowPrivateNetworks) return undefined;
  // Literal addresses and names that mean this machine are refused now; other names when connected.
  const host = hostOf(url);
  if (isIP(host) !== 0) return addressRefusal(host) === undefined ? undefined : "must not name a non-public address";
  // A name without a dot resolves through the search domains of our own network, never the internet.
  if (!host.includes(".") || /\.(localhost|local|internal)$/.test(host)) return "must not name a local host";
  return undefined;
}
