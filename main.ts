/**
 * The build's entry point: `npm run build` compiles this file to dist/main.js, which production runs
 * (`node dist/main.js`). The service itself starts in src/main.ts.
 *
 * Why a file here and not in src/: src/ imports ../gen/, so tsc's output keeps the repository's
 * layout (dist/src/…, dist/gen/…) and src/main.ts lands in dist/src/main.js. This one line at the
 * root gives the short, stable entry name without moving gen/ under src/, copying files after tsc,
 * or generating JavaScript in a build script.
 */
import "./src/main.js";
