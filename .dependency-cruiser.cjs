/**
 * Import boundaries of src/ (docs/architecture.md). Floors, top to bottom:
 *
 *   composition  main.ts, app.ts, server.ts, routes.ts, entities.ts, config.ts, cli/
 *   api          handlers and mappers per service: proto ⇄ domain
 *   rpc          the transport edge: listener, REST transcoder, interceptors, context, error mapping
 *   modules      the domain, itself ranked (below)
 *   platform     infrastructure with no business rules
 *
 * A file may import its own floor or a lower one, never a higher one; no import cycle anywhere.
 * Tests sit above everything and may import anything.
 */

/**
 * Folders within a floor, lowest first: a folder imports only folders to its left and the floor's own
 * root files, which import no folder. Ranks keep folders of one floor free of cycles.
 */
const ranks = {
  modules: [
    "calendar",
    "bank-accounts",
    "identity",
    "idempotency",
    "notifications",
    "mandates",
    "collections",
    "payer-notices",
    "alerts",
    "webhooks",
    "reports",
    "sandbox",
    "processing",
  ],
  api: ["bank-accounts", "identity", "mandates", "collections", "alerts", "webhooks", "reports", "sandbox", "openapi"],
  rpc: ["infrastructure", "rest", "interceptors"],
  platform: ["observability", "rate-limit", "redis", "mail", "db"],
};

const notTest = "\\.test\\.ts$|^test/|^bench/";
const composition = "^src/(main|app|server|routes|entities|config)\\.ts$|^src/cli/";

/** upward forbids every import from `from` into any of `to`. */
function upward(name, from, to) {
  return {
    name,
    severity: "error",
    comment: `${name}: an arrow up the floors (docs/architecture.md)`,
    from: { path: from, pathNot: notTest },
    to: { path: to },
  };
}

/** rankRules forbids, within one floor, imports into a higher-ranked folder, or from root files into any. */
function rankRules(floor, folders) {
  const rules = folders
    .slice(0, -1)
    .map((folder, rank) =>
      upward(
        `${floor}-${folder}-ranked`,
        `^src/${floor}/${folder}/`,
        `^src/${floor}/(${folders.slice(rank + 1).join("|")})/`,
      ),
    );
  rules.push(upward(`${floor}-root-files-below-its-folders`, `^src/${floor}/[^/]+\\.ts$`, `^src/${floor}/[^/]+/`));
  rules.push({
    name: `${floor}-ranked-exhaustively`,
    severity: "error",
    comment: `Every folder of src/${floor} has a rank: add a new one to ranks.${floor} in .dependency-cruiser.cjs.`,
    from: { path: `^src/${floor}/(?!(${folders.join("|")})/)[^/]+/` },
    to: {},
  });
  return rules;
}

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make the floors meaningless and the load order fragile.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    upward("platform-is-the-floor", "^src/platform/", `^src/(modules|rpc|api)/|${composition}`),
    upward("modules-below-the-transport", "^src/modules/", `^src/(rpc|api)/|${composition}`),
    {
      name: "modules-know-no-protocol",
      severity: "error",
      comment: "Services take plain values: neither Connect nor the generated messages below the handlers.",
      from: { path: "^src/(modules|platform)/", pathNot: notTest },
      to: { path: "^gen/|@connectrpc/" },
    },
    upward("rpc-below-the-handlers", "^src/rpc/", `^src/api/|${composition}`),
    upward("api-below-the-composition-root", "^src/api/", composition),
    ...Object.entries(ranks).flatMap(([floor, folders]) => rankRules(floor, folders)),
  ],
  options: {
    doNotFollow: { path: "node_modules|^gen/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
