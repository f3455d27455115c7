import { describe, expect, it } from "vitest";
import { boundedReason } from "./metrics";

describe("boundedReason (a metric label never takes outside text)", () => {
  it.each([
    ["token expired", "token expired"],
    ["not an access token (typ must be at+jwt)", "not an access token (typ must be at+jwt)"],
    ["acting agent's credential revoked", "acting agent's credential revoked"],
    ["discovery answered 503 from https://idp.example.com/x", "other"],
    ["fetch failed: connect ECONNREFUSED 10.0.0.7:443", "other"],
    [`${"a".repeat(49)}`, "other"],
    ["", "other"],
  ])("%j -> %j", (reason, label) => {
    expect(boundedReason(reason)).toBe(label);
  });
});
