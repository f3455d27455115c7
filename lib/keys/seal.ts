import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from "node:crypto";
import { importPrivatePem } from "./crypto";
import { LEGACY_VERSION, serverKeys, type SecretVersion } from "./server-secrets";

/**
 * A sealed value names the secret version that sealed it: `v1.<version>.<iv>.<tag>.<body>`
 * (base64url parts). The prefix is the GCM additional data, so a value cannot be relabelled
 * to another version without failing to open. Values from before versions are `<iv>.<tag>.<body>`.
 */
const FORMAT = "v1";

/** A sealed value no configured secret opens. The message names versions and variables, never key material. */
export class UnsealError extends Error {
  constructor(
    readonly reason: "unknown_version" | "no_secret_opens" | "malformed",
    /** The version the value names, or "legacy". */
    readonly version: string,
    message: string,
  ) {
    super(message);
    this.name = "UnsealError";
  }
}

export type Unsealed<T> = {
  value: T;
  /** The version it was sealed under ("legacy" for one from before versions). */
  version: string;
  /** Sealed under anything but the current secret's version: re-seal it. */
  stale: boolean;
};

/** AES-256-GCM under the current secret's sealing key: a database dump alone cannot sign. */
export function seal(plain: string): string {
  const { version, sealingKey } = serverKeys();
  const label = `${FORMAT}.${version}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKey, iv);
  cipher.setAAD(Buffer.from(label, "utf8"));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [label, ...[iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url"))].join(".");
}

/**
 * Opens a sealed value with the key its version names; a legacy (untagged) value with each
 * configured key in turn, current first. Throws UnsealError when none can.
 */
export function unseal(sealed: string): Unsealed<string> {
  const parts = sealed.split(".");
  const { version: current, versions } = serverKeys();
  if (parts.length === 5 && parts[0] === FORMAT) {
    const [, version = "", ...rest] = parts;
    const keys = versions.find((v) => v.version === version);
    if (!keys) {
      throw new UnsealError(
        "unknown_version",
        version,
        `sealed under server secret version ${version}, which is neither AUTH_SECRET's (${current}) nor in AUTH_SECRET_PREVIOUS: add the secret it was sealed with to AUTH_SECRET_PREVIOUS`,
      );
    }
    const plain = open(keys, rest, `${FORMAT}.${version}`);
    if (plain === null) throw new UnsealError("malformed", version, `sealed value of version ${version} does not open: it was altered or is corrupt`);
    return { value: plain, version, stale: version !== current };
  }
  if (parts.length === 3) {
    for (const keys of versions) {
      const plain = open(keys, parts, null);
      if (plain !== null) return { value: plain, version: LEGACY_VERSION, stale: true };
    }
    throw new UnsealError(
      "no_secret_opens",
      LEGACY_VERSION,
      `sealed before secret versions, and neither AUTH_SECRET nor any of AUTH_SECRET_PREVIOUS (${versions.length} configured) opens it: add the secret it was sealed with to AUTH_SECRET_PREVIOUS`,
    );
  }
  throw new UnsealError("malformed", LEGACY_VERSION, "sealed value is malformed");
}

function open(keys: SecretVersion, parts: string[], label: string | null): string | null {
  const [iv, tag, body] = parts.map((p) => Buffer.from(p, "base64url"));
  if (!iv || !tag || !body || iv.length !== 12 || tag.length !== 16) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", keys.sealingKey, iv);
    if (label !== null) decipher.setAAD(Buffer.from(label, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}

export function sealPrivateKey(key: KeyObject): string {
  return seal(key.export({ format: "pem", type: "pkcs8" }).toString());
}

export function unsealPrivateKey(sealed: string): Unsealed<KeyObject> {
  const opened = unseal(sealed);
  return { ...opened, value: importPrivatePem(opened.value) };
}
