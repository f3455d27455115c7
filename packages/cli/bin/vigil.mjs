#!/usr/bin/env node
// The vigil CLI runs its TypeScript source through tsx (a devDependency of the repo), so
// `npx vigil` works right after `npm install` in a fresh clone, with no build step. The
// repo's tsconfig is named explicitly: its "@/..." paths must resolve whatever the cwd.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../../../tsconfig.json", import.meta.url)) });
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
