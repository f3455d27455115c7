// Bundles server.ts (the fast lane) and its lib/ imports into dist/server.mjs, and the
// operator's commands that must also run in the image (which has no tsx): dist/secrets-reseal.mjs.
// Packages with process-wide state (prom-client's registry, PGlite's instance, the pool,
// the logger) and Next itself stay external, so the fast lane shares Next's copy; they
// are exactly the ones Next's standalone output ships in its node_modules. The rest
// (drizzle-orm, jose, zod) is bundled, so dist/server.mjs also runs from .next/standalone.
import { build } from "esbuild";

await build({
  entryPoints: { server: "server.ts", "secrets-reseal": "scripts/secrets-reseal.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  external: ["next", "next/*", "@electric-sql/pglite", "@electric-sql/pglite/*", "postgres", "prom-client", "pino", "@cedar-policy/cedar-wasm", "@cedar-policy/cedar-wasm/*"],
  // CommonJS packages bundled into this ESM file (yaml) require() Node built-ins; esbuild's
  // shim forwards those to a real require when one is in scope.
  banner: { js: 'import { createRequire as __vigilCreateRequire } from "node:module"; const require = __vigilCreateRequire(import.meta.url);' },
  sourcemap: true,
  logLevel: "warning",
});
console.log("fast lane built: dist/server.mjs (and dist/secrets-reseal.mjs)");
