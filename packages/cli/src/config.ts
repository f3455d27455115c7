import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";

/**
 * What `vigil login` keeps: the URL, the token and when it expires, and — only when the
 * operator asked for it with --save-secret — the client secret to get the next token
 * without asking. The file is 0600 in a 0700 directory: it holds a bearer token.
 */
export type Stored = {
  url: string;
  client_id: string;
  access_token: string;
  expires_at: string;
  scope: string;
  client_secret?: string;
  /** A person's login (--browser): renews the access token without the browser (RFC 6749 §6). */
  refresh_token?: string;
};

const STRINGS = ["url", "client_id", "access_token", "expires_at"] as const;

/** A file that is not what login wrote (edited, truncated) reads as no login. Checked by hand: zod costs the CLI's every start. */
export function asStored(value: unknown): Stored | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!STRINGS.every((k) => typeof v[k] === "string" && v[k] !== "")) return null;
  const secret = typeof v.client_secret === "string" && v.client_secret ? { client_secret: v.client_secret } : {};
  const refresh = typeof v.refresh_token === "string" && v.refresh_token ? { refresh_token: v.refresh_token } : {};
  return { url: String(v.url), client_id: String(v.client_id), access_token: String(v.access_token), expires_at: String(v.expires_at), scope: typeof v.scope === "string" ? v.scope : "", ...secret, ...refresh };
}

type Env = Record<string, string | undefined>;

/** $XDG_CONFIG_HOME/vigil, else ~/.config/vigil (the XDG Base Directory default). */
export function configDir(env: Env): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "vigil");
  return path.join(env.HOME || homedir(), ".config", "vigil");
}

export const configPath = (env: Env) => path.join(configDir(env), "config.json");

export async function readStored(env: Env): Promise<Stored | null> {
  let text: string;
  try {
    text = await readFile(configPath(env), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    return asStored(JSON.parse(text));
  } catch {
    return null;
  }
}

/** Written to a temporary file (0600 from its creation) and renamed: never half a file, never readable by others. */
export async function writeStored(env: Env, stored: Stored): Promise<string> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = configPath(env);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
  return file;
}

export async function removeStored(env: Env): Promise<boolean> {
  try {
    await rm(configPath(env));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
