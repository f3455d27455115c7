import { describe, expect, it } from "vitest";
import { parseAckLabels } from "./ack-labels";

describe("the ack form's labels", () => {
  it("reads name=value lines and JSON objects alike", () => {
    expect(parseAckLabels('alertname=HighCPU\n instance = "web-1" \n\n')).toEqual({ ok: true, labels: { alertname: "HighCPU", instance: "web-1" } });
    expect(parseAckLabels('{"alertname":"HighCPU","severity":"critical"}')).toEqual({ ok: true, labels: { alertname: "HighCPU", severity: "critical" } });
    expect(parseAckLabels("url=http://x/?a=b")).toEqual({ ok: true, labels: { url: "http://x/?a=b" } });
  });

  it("says what is wrong instead of sending a silence that would match too much", () => {
    expect(parseAckLabels("  ")).toMatchObject({ ok: false, message: expect.stringContaining("at least one label") });
    expect(parseAckLabels("{}")).toMatchObject({ ok: false, message: expect.stringContaining("at least one label") });
    expect(parseAckLabels("alertname")).toMatchObject({ ok: false, message: "Line 1: write name=value." });
    expect(parseAckLabels("a=1\na=2")).toMatchObject({ ok: false, message: "Line 2: a is named twice." });
    expect(parseAckLabels("1x=y")).toMatchObject({ ok: false, message: expect.stringContaining("not a label name") });
    expect(parseAckLabels("a=")).toMatchObject({ ok: false, message: "Label a has no value." });
    expect(parseAckLabels('{"a":1}')).toMatchObject({ ok: false, message: "Label a: the value must be a string." });
    expect(parseAckLabels("{nope")).toMatchObject({ ok: false, message: expect.stringContaining("Not valid JSON") });
    expect(parseAckLabels("[1]")).toMatchObject({ ok: false });
  });
});
