import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configDir, configPath, readStored, writeStored } from "./config";

describe("the config file", () => {
  it("lives in $XDG_CONFIG_HOME/vigil, or ~/.config/vigil (a relative XDG_CONFIG_HOME is ignored)", () => {
    expect(configDir({ XDG_CONFIG_HOME: "/x", HOME: "/h" })).toBe("/x/vigil");
    expect(configDir({ XDG_CONFIG_HOME: "rel", HOME: "/h" })).toBe("/h/.config/vigil");
    expect(configDir({ HOME: "/h" })).toBe("/h/.config/vigil");
  });

  it("is written 0600 in a 0700 directory and read back; a mangled file reads as no login", async () => {
    const env = { XDG_CONFIG_HOME: mkdtempSync(path.join(tmpdir(), "vigil-cli-")) };
    const stored = { url: "https://v.example", client_id: "c", access_token: "t", expires_at: "2030-01-01T00:00:00.000Z", scope: "admin" };
    await writeStored(env, stored);
    expect(statSync(configPath(env)).mode & 0o777).toBe(0o600);
    expect(statSync(configDir(env)).mode & 0o777).toBe(0o700);
    expect(await readStored(env)).toEqual(stored);
    writeFileSync(configPath(env), '{"url": 1');
    expect(await readStored(env)).toBeNull();
  });
});
