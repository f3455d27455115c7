import { createHash, randomBytes } from "node:crypto";

/** 256 bits from the CSPRNG, with a prefix that makes a leaked one easy to recognise. */
export const newAuthorizationCode = () => `vgac_${randomBytes(32).toString("base64url")}`;
export const newRefreshToken = () => `vgr_${randomBytes(32).toString("base64url")}`;

/**
 * Codes and refresh tokens are stored as SHA-256: high-entropy random values need no slow
 * hash, and the table alone gives an attacker nothing to present.
 */
export const tokenHash = (value: string) => createHash("sha256").update(value, "utf8").digest("base64url");
