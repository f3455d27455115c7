import { describe, expect, it } from "vitest";
import { cell, keyValues, progress, table, type Io } from "./output";

describe("table", () => {
  it("aligns columns to the widest cell, no trailing spaces, '-' for nothing", () => {
    const rows = [
      { id: "a1", name: "checkout", scopes: ["svc:read", "svc:write"] },
      { id: "b22222", name: null, scopes: [] },
    ];
    const text = table(rows, [
      { header: "ID", value: (r) => r.id },
      { header: "NAME", value: (r) => r.name },
      { header: "SCOPES", value: (r) => r.scopes },
    ]);
    expect(text).toBe("ID      NAME      SCOPES\na1      checkout  svc:read,svc:write\nb22222  -         -\n");
  });

  it("cuts long cells and keeps control characters off the terminal", () => {
    expect(cell("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`);
    expect(cell("evil\u001b[2J\nline")).toBe("evil [2J line");
    expect(cell({ a: 1 })).toBe('{"a":1}');
  });
});

describe("keyValues", () => {
  it("aligns the values", () => {
    expect(keyValues({ id: "1", status: "active" })).toBe("id:     1\nstatus: active\n");
  });
});

describe("progress", () => {
  const io = (tty: boolean) => {
    const err: string[] = [];
    const value: Io = { out: () => {}, err: (t) => void err.push(t), errIsTty: tty, env: {}, stdin: process.stdin };
    return { value, err };
  };

  it("redraws one line on a terminal", () => {
    const { value, err } = io(true);
    const bar = progress(value);
    bar.update("1000 events");
    bar.done("2000 events");
    expect(err.join("")).toBe("\r\u001b[2K1000 events\r\u001b[2K2000 events\n");
  });

  it("writes only the final line elsewhere", () => {
    const { value, err } = io(false);
    const bar = progress(value);
    bar.update("1000 events");
    bar.done("2000 events");
    expect(err).toEqual(["2000 events\n"]);
  });
});
