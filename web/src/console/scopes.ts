/**
 * The six scopes as the product document describes them, and its two example keys, which the
 * create dialog offers as presets.
 */
export const scopes: readonly { name: string; description: string }[] = [
  { name: "mandates:read", description: "Read mandate records, status, and details" },
  { name: "mandates:write", description: "Create, update, cancel, suspend, and reactivate mandates" },
  { name: "collections:read", description: "Read collection schedules, history, and status" },
  { name: "alerts:read", description: "Read threshold alerts and notifications" },
  { name: "alerts:write", description: "Acknowledge and manage alerts" },
  { name: "reports:read", description: "Access collection reports, success rates, and clawback history" },
];

export const presets: readonly { name: string; scopes: readonly string[] }[] = [
  { name: "Read-only integration", scopes: ["mandates:read", "collections:read"] },
  { name: "Full agentOS integration", scopes: scopes.map((s) => s.name) },
];
