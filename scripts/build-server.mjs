// Bundles server.ts (the fast lane) and its lib/ imports into dist/server.mjs.
// npm packages stay external: the process shares one copy of each with Next's server.
import { build } from "esbuild";

await build({
  entryPoints: ["server.ts"],
  outfile: "dist/server.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
console.log("fast lane built: dist/server.mjs");
