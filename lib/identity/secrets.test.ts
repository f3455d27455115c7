import { describe, expect, it } from "vitest";
import { hashSecret, newClientId, newClientSecret, secretMatches } from "./secrets";

describe("client secrets", () => {
  it("carry at least 256 bits of randomness", () => {
    const secret = newClientSecret();
    const raw = Buffer.from(secret.replace(/^vgs_/, ""), "base64url");
    expect(raw.length).toBeGreaterThanOrEqual(32);
    expect(newClientSecret()).not.toBe(secret);
    expect(newClientId()).toMatch(/^vgc_[A-Za-z0-9_-]{16}$/);
  });

  it("are stored as a keyed hash that reveals nothing of the secret", () => {
    const secret = newClientSecret();
    const hash = hashSecret(secret);
    expect(hash).not.toContain(secret.slice(4, 20));
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(`${secret}x`, hash)).toBe(false);
    expect(secretMatches(secret, null)).toBe(false);
  });
});
