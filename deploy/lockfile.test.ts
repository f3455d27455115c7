import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `npm ci` installs exactly what package-lock.json holds. A lockfile written by `npm install`
 * over an existing node_modules records only this machine's native packages (npm/cli#4828), and
 * then `npm ci` on macOS, Windows or arm64 installs a Next.js without its compiler. These checks
 * keep the lockfile whole for every platform and the image and CI on `npm ci`.
 */
const root = path.resolve(__dirname, "..");
type Locked = {
  version?: string;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
  lockfileVersion: number;
  packages: Record<string, Locked>;
};
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as Locked;

/** Node's lookup: the nearest node_modules up from the dependent's own folder. */
function resolveLocked(from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf("/node_modules/");
    dir = cut < 0 ? "" : dir.slice(0, cut);
  }
}

describe("package-lock.json installs on every platform", () => {
  it("is a v3 lockfile in step with package.json", () => {
    expect(lock.lockfileVersion).toBe(3);
    const locked = lock.packages[""];
    expect(locked?.dependencies).toEqual(pkg.dependencies);
    expect(locked?.devDependencies).toEqual(pkg.devDependencies);
  });

  it("holds every optional dependency of every locked package (other platforms' binaries)", () => {
    const missing: string[] = [];
    for (const [at, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        if (!resolveLocked(at, name)) missing.push(`${at || "(root)"} -> ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  const platforms = ["darwin-arm64", "darwin-x64", "win32-x64", "linux-arm64", "linux-x64"];
  const families = [
    "node_modules/@next/swc-",
    "node_modules/lightningcss-",
    "node_modules/@tailwindcss/oxide-",
    "node_modules/@rolldown/binding-",
    "node_modules/@esbuild/",
  ];
  it.each(families)("%s has a binary for macOS, Windows and Linux on x64 and arm64", (family) => {
    const have = Object.keys(lock.packages).filter((p) => p.startsWith(family));
    const without = platforms.filter((platform) => !have.some((p) => p.slice(family.length).startsWith(platform)));
    expect(without).toEqual([]);
  });

  it.each(["Dockerfile", ".ci/run"])("%s installs with npm ci", (file) => {
    const text = readFileSync(path.join(root, file), "utf8");
    const runs = text.split("\n").filter((line) => !line.trim().startsWith("#"));
    expect(runs.some((line) => /\bnpm ci\b/.test(line))).toBe(true);
    expect(runs.filter((line) => /\bnpm install\b/.test(line))).toEqual([]);
  });
});
