/**
 * client-address.ts decides who the client is: the one place the service turns a connection and its
 * X-Forwarded-For header into an address (server.ts puts the result in RequestInfo). The header is
 * believed only as far as trusted proxies (TRUSTED_PROXIES) wrote it: anyone can send one, so without
 * a trusted peer it is ignored. Limits group IPv6 addresses by /64, the block one subscriber gets, or
 * a single host could take a fresh budget from each of its 2^64 addresses.
 */
import { BlockList, isIP } from "node:net";

/** ClientAddress is the client's address, for audit, and the key its limits count under. */
export interface ClientAddress {
  /** The address itself: IPv4 dotted, IPv6 as received (IPv4-mapped IPv6 shown as IPv4). */
  address: string;
  /** What per-address limits count: the IPv4 address, or the IPv6 address's /64 ("2001:db8:0:1::/64"). */
  group: string;
}

/** ClientAddressResolver reads the client of a request from its TCP peer and X-Forwarded-For. */
export type ClientAddressResolver = (
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
) => ClientAddress;

/**
 * Hops examined in X-Forwarded-For at most. Real chains have a handful of proxies; a longer chain of
 * trusted addresses ends at its last trusted hop rather than making the walk cost what the header costs.
 */
const maxHops = 32;

/**
 * createClientAddressResolver returns the resolver for a list of trusted proxies (CIDRs or single
 * addresses, already validated). It walks X-Forwarded-For right to left from the TCP peer: while the
 * hop in hand is a trusted proxy, the entry it appended (the next one to the left) is believed. The
 * first untrusted hop is the client. An entry that is not an address stops the walk at the hop that
 * forwarded it: garbage cannot pick a fresh budget.
 */
export function createClientAddressResolver(trustedProxies: readonly string[]): ClientAddressResolver {
  const trusted = trustedProxies.length > 0 ? blockListOf(trustedProxies) : undefined;
  return (peer, forwardedFor) => {
    let client = normalise(peer ?? "") ?? "unknown";
    if (trusted && forwardedFor !== undefined && isTrusted(trusted, client)) {
      const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor;
      const hops = header.split(",");
      for (let i = hops.length - 1, seen = 0; i >= 0 && seen < maxHops; i--, seen++) {
        const hop = normalise(hops[i]!.trim());
        if (hop === undefined) break;
        client = hop;
        if (!isTrusted(trusted, hop)) break;
      }
    }
    return { address: client, group: addressGroup(client) };
  };
}

/** addressGroup is the key per-address limits count under: IPv4 whole, IPv6 by its /64. */
export function addressGroup(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = expandIpv6(address);
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/** parseTrustedProxy checks one TRUSTED_PROXIES entry ("10.0.0.0/8", "::1", …); undefined if malformed. */
export function parseTrustedProxy(
  entry: string,
): { network: string; prefix: number; family: "ipv4" | "ipv6" } | undefined {
  const [network = "", prefixText, extra] = entry.trim().split("/");
  if (extra !== undefined) return undefined;
  const version = isIP(network);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { network, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const parsed = parseTrustedProxy(entry);
    if (!parsed) throw new Error(`not a CIDR or address: "${entry}"`);
    list.addSubnet(parsed.network, parsed.prefix, parsed.family);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/**
 * normalise returns a valid address without zone or brackets, IPv4-mapped IPv6 ("::ffff:1.2.3.4",
 * what a dual-stack listener reports) as plain IPv4; undefined when it is not an address.
 */
function normalise(raw: string): string | undefined {
  let address = raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw;
  const zone = address.indexOf("%");
  if (zone >= 0) address = address.slice(0, zone);
  const version = isIP(address);
  if (version === 4) return address;
  if (version !== 6) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

/** expandIpv6 returns the eight 16-bit groups of a valid IPv6 address, without leading zeros. */
function expandIpv6(address: string): string[] {
  let text = address.toLowerCase();
  // An embedded IPv4 tail ("::1.2.3.4") is two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => "0");
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16).toString(16));
}
