import { describe, expect, it } from "vitest";
import { REDACTED, redactPlan } from "./redact";
import type { ActionPlan } from "./types";

const plan = (url: string, headers: Record<string, string> = {}): ActionPlan => ({
  kind: "webhook",
  rule: "r",
  summary: `POST ${url}`,
  request: { method: "POST", url, headers, body: null },
  delivery: { timeoutMs: 1000, retries: 0, backoffMs: 0, successStatus: [200] },
});

describe("redactPlan", () => {
  it("hides secret-named query values and passwords in the URL, the summary and the headers", () => {
    const shown = redactPlan(plan("https://ops:hunter2hunter2@hooks.example/run?token=SUPERSECRET&env=prod", { Authorization: "Bearer abc", "X-Team": "infra" }));
    const text = JSON.stringify(shown);
    expect(text).not.toContain("SUPERSECRET");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("Bearer abc");
    expect(shown.summary).toContain("env=prod");
    expect(shown.request.headers).toEqual({ Authorization: REDACTED, "X-Team": "infra" });
  });

  it("leaves a plan without secrets exactly as it is", () => {
    const p = plan("https://hooks.example/run?env=prod");
    expect(redactPlan(p)).toEqual(p);
  });
});
