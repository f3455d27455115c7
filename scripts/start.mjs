// npm start: build when there is no current build, then run the fast lane (which embeds
// Next for the console). Honours PORT and HOSTNAME.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ensureBuild, root } from "./build-if-stale.mjs";

process.chdir(root);
try {
  ensureBuild();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
await import(pathToFileURL(path.join(root, "dist", "server.mjs")).href);
