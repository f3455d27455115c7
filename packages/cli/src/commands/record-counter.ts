/**
 * Counts the records of an NDJSON or CSV stream as it passes and cuts it after `limit`
 * records. CSV records end at CRLF outside quotes (RFC 4180: a quoted field may hold line
 * breaks), and the header line is not a record.
 */
export class RecordCounter {
  records = 0;
  private inQuotes = false;
  private headerPending: boolean;

  constructor(
    csv: boolean,
    private readonly limit = Infinity,
    private readonly isCsv = csv,
  ) {
    this.headerPending = csv;
  }

  /** The part of `chunk` to write, and whether the limit is reached (stop reading). */
  feed(chunk: string): { keep: string; complete: boolean } {
    if (this.records >= this.limit) return { keep: "", complete: true };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.isCsv && c === '"') this.inQuotes = !this.inQuotes;
      if (c !== "\n" || this.inQuotes) continue;
      if (this.headerPending) {
        this.headerPending = false;
        continue;
      }
      this.records += 1;
      if (this.records >= this.limit) return { keep: chunk.slice(0, i + 1), complete: true };
    }
    return { keep: chunk, complete: false };
  }
}
