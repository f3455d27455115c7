import { afterEach, describe, expect, it } from "vitest";
import { getConfig, setConfig } from "@/lib/config";
import { UnauthorizedError } from "@/lib/errors";
import { checkMetricsToken } from "./metrics-token";

describe("the metrics bearer check", () => {
  const original = getConfig();
  afterEach(() => setConfig(original));

  it("lets anyone scrape while METRICS_TOKEN is unset", () => {
    setConfig({ ...original, METRICS_TOKEN: undefined });
    expect(() => checkMetricsToken(null)).not.toThrow();
  });

  it.each([
    ["no Authorization header", null],
    ["the wrong token", "Bearer not-the-metrics-token-at-all"],
    ["a prefix of the token", "Bearer metrics-token-0123"],
    ["the token as Basic", `Basic ${Buffer.from("metrics-token-0123456789").toString("base64")}`],
  ])("refuses %s with a 401 and its challenge once the token is set", (_label, authorization) => {
    setConfig({ ...original, METRICS_TOKEN: "metrics-token-0123456789" });
    const error = (() => {
      try {
        checkMetricsToken(authorization);
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).challenge).toBe('Bearer realm="vigil-metrics"');
  });

  it("accepts the configured token, scheme in any case", () => {
    setConfig({ ...original, METRICS_TOKEN: "metrics-token-0123456789" });
    expect(() => checkMetricsToken("Bearer metrics-token-0123456789")).not.toThrow();
    expect(() => checkMetricsToken("bearer metrics-token-0123456789")).not.toThrow();
  });
});
