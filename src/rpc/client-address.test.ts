import { describe, expect, it } from "vitest";
import { addressGroup, createClientAddressResolver, parseTrustedProxy } from "./client-address.js";

describe("client address", () => {
  it("ignores X-Forwarded-For when no proxy is trusted", () => {
    const resolve = createClientAddressResolver([]);
    expect(resolve("203.0.113.7", "198.51.100.1")).toEqual({ address: "203.0.113.7", group: "203.0.113.7" });
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    const resolve = createClientAddressResolver(["10.0.0.0/8"]);
    expect(resolve("203.0.113.7", "198.51.100.1").address).toBe("203.0.113.7");
  });

  it("walks right to left past trusted proxies to the first untrusted hop", () => {
    const resolve = createClientAddressResolver(["10.0.0.0/8", "192.0.2.10"]);
    // The client claims 1.1.1.1; the first proxy saw 198.51.100.1; an inner proxy 192.0.2.10 forwarded it.
    expect(resolve("10.1.2.3", "1.1.1.1, 198.51.100.1, 192.0.2.10").address).toBe("198.51.100.1");
  });

  it("stops at an entry that is not an address, at the hop that forwarded it", () => {
    const resolve = createClientAddressResolver(["10.0.0.0/8"]);
    expect(resolve("10.0.0.1", "198.51.100.1, not-an-address").address).toBe("10.0.0.1");
    expect(resolve("10.0.0.1", "not-an-address, 10.0.0.2").address).toBe("10.0.0.2");
  });

  it("reads repeated headers as one list, and IPv4-mapped IPv6 as IPv4", () => {
    const resolve = createClientAddressResolver(["::ffff:10.0.0.0/104", "10.0.0.0/8"]);
    expect(resolve("::ffff:10.0.0.1", ["198.51.100.1", "10.0.0.5"]).address).toBe("198.51.100.1");
    expect(resolve("::ffff:203.0.113.9", undefined).address).toBe("203.0.113.9");
  });

  it("groups IPv6 addresses by /64 and IPv4 by the whole address", () => {
    expect(addressGroup("2001:db8:0:1:aaaa::1")).toBe("2001:db8:0:1::/64");
    expect(addressGroup("2001:DB8:0:1:ffff:ffff:ffff:ffff".toLowerCase())).toBe("2001:db8:0:1::/64");
    expect(addressGroup("::1")).toBe("0:0:0:0::/64");
    expect(addressGroup("::ffff:1.2.3.4")).toBe("0:0:0:0::/64");
    expect(addressGroup("2001:db8::")).toBe("2001:db8:0:0::/64");
    expect(addressGroup("203.0.113.7")).toBe("203.0.113.7");
  });

  it("checks TRUSTED_PROXIES entries", () => {
    expect(parseTrustedProxy("10.0.0.0/8")).toEqual({ network: "10.0.0.0", prefix: 8, family: "ipv4" });
    expect(parseTrustedProxy("::1")).toEqual({ network: "::1", prefix: 128, family: "ipv6" });
    for (const bad of ["10.0.0.0/33", "10.0.0/8", "fe80::/129", "1.2.3.4/8/1", "host", "10.0.0.0/-1", ""])
      expect(parseTrustedProxy(bad), bad).toBeUndefined();
  });
});
