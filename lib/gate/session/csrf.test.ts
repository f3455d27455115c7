import { afterEach, describe, expect, it } from "vitest";
import { SECRET_A, SECRET_B, SECRET_C, runWithSecrets } from "@/lib/testing/secrets";
import { csrfTokenFor, csrfTokenMatches, startedOnOurSite } from "./csrf";

const request = (headers: Record<string, string>) => new Request("http://vigil.test/api/ack?labels=%7B%7D", { headers });

describe("startedOnOurSite (cookie GETs that change something)", () => {
  it("trusts the browser's Sec-Fetch-Site when it sends one", () => {
    expect(startedOnOurSite(request({ "sec-fetch-site": "same-origin" }))).toBe(true);
    expect(startedOnOurSite(request({ "sec-fetch-site": "none" }))).toBe(true);
    expect(startedOnOurSite(request({ "sec-fetch-site": "cross-site", origin: "http://vigil.test" }))).toBe(false);
    expect(startedOnOurSite(request({ "sec-fetch-site": "same-site" }))).toBe(false);
  });

  it("without it (plain http, older browsers) needs our own Origin or Referer", () => {
    expect(startedOnOurSite(request({ origin: "http://vigil.test" }))).toBe(true);
    expect(startedOnOurSite(request({ referer: "http://vigil.test/autoheal" }))).toBe(true);
    expect(startedOnOurSite(request({ referer: "http://evil.example/page" }))).toBe(false);
    expect(startedOnOurSite(request({ origin: "null" }))).toBe(false);
    expect(startedOnOurSite(request({}))).toBe(false);
  });
});

describe("CSRF tokens across an AUTH_SECRET rotation", () => {
  let restore = () => {};
  afterEach(() => restore());

  it("accepts a page's token made under a previous secret while that secret is configured, and no longer after", () => {
    restore = runWithSecrets(SECRET_A);
    const before = csrfTokenFor("session-1");
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_A]);
    expect(csrfTokenFor("session-1")).not.toBe(before);
    expect(csrfTokenMatches("session-1", before)).toBe(true);
    expect(csrfTokenMatches("session-1", csrfTokenFor("session-1"))).toBe(true);
    expect(csrfTokenMatches("session-2", before)).toBe(false);
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_C]);
    expect(csrfTokenMatches("session-1", before)).toBe(false);
  });
});
