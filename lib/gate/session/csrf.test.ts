import { describe, expect, it } from "vitest";
import { startedOnOurSite } from "./csrf";

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
