#!/usr/bin/env node
// ddctl, the operator CLI. Which code it runs depends on what is installed, not on what happens to be
// on disk:
// - a checkout with dev dependencies (tsx among them) runs the TypeScript source through tsx, so ddctl
//   never runs a stale dist/ left by an earlier build;
// - the production image (`npm ci --omit=dev`: no tsx, no src/) runs dist/src/cli/ddctl.js, compiled
//   by `npm run build`.
// tsx must be registered before the source is loaded: a static import would be resolved before
// register() runs, so both imports are dynamic.
let tsx;
try {
  tsx = await import("tsx/esm/api");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
}
if (tsx) {
  tsx.register();
  await import("../src/cli/ddctl.ts");
} else {
  await import("../dist/src/cli/ddctl.js");
}
