import { describe, expect, it } from "vitest";
import { RecordCounter } from "./record-counter";

describe("RecordCounter", () => {
  it("counts NDJSON lines across chunks and cuts after the limit", () => {
    const c = new RecordCounter(false, 2);
    expect(c.feed('{"a":1}\n{"a"')).toEqual({ keep: '{"a":1}\n{"a"', complete: false });
    expect(c.feed(':2}\n{"a":3}\n')).toEqual({ keep: ':2}\n', complete: true });
    expect(c.records).toBe(2);
  });

  it("does not count the CSV header or line breaks inside quoted fields", () => {
    const c = new RecordCounter(true);
    c.feed('id,kind\r\n1,"two\r\nlines"\r\n2,x\r\n');
    expect(c.records).toBe(2);
  });
});
