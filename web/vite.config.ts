/**
 * Builds the browser app into web/dist in two passes that share nothing:
 * - `--mode console` (the default): the staff console, React;
 * - `--mode payer`: the payer's page (invite.html). It is written against React's API but bundled
 *   with Preact's compatible runtime: react-dom alone is 68 kB of gzipped JavaScript, more than the
 *   whole page may weigh on a phone (60 kB, held by test/web-bundle-size.test.ts).
 * The service serves web/dist from its one port (src/rpc/web-assets.ts); each pass writes its own
 * manifest, which the bundle-size test follows from the entry through its imports.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig(({ mode }) => {
  const payer = mode === "payer";
  const input: Record<string, string> = payer ? { invite: "invite.html" } : { console: "console.html" };
  return {
    root: fileURLToPath(new URL(".", import.meta.url)),
    base: "/",
    resolve: payer
      ? {
          alias: [
            { find: /^react-dom\/client$/, replacement: "preact/compat/client" },
            { find: /^react\/jsx-runtime$/, replacement: "preact/jsx-runtime" },
            { find: /^react(-dom)?$/, replacement: "preact/compat" },
          ],
        }
      : {},
    build: {
      outDir: "dist",
      // The console pass runs first and starts from an empty folder; the payer pass adds to it.
      emptyOutDir: !payer,
      manifest: payer ? "payer-manifest.json" : "console-manifest.json",
      target: "es2022",
      // Source maps stay out of the served tree: they would only grow what a phone downloads.
      sourcemap: false,
      modulePreload: { polyfill: false },
      rollupOptions: {
        input,
        // TanStack Query marks files "use client" for React Server Components; meaningless in a bundle.
        onwarn(warning, warn) {
          if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
        },
      },
    },
    server: {
      // `npm run dev:web`: the console with hot reload, calling a service started with `npm start`.
      proxy: { "/v1": "http://localhost:8080", "/dd.v1.": "http://localhost:8080" },
    },
  };
});
