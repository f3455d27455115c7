import { EventSource as EventSourceCurrent } from "eventsource";
import { EventSource as EventSourceV3 } from "eventsource-v3";

/** What the recorder needs of an EventSource; both npm lines below have it. */
type Source = {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
};

export type EventSourceClient = { name: string; open: (url: string, headers: Record<string, string>) => Source };

type FetchInit = { headers: Record<string, string> };
/** EventSource sets Accept and Last-Event-ID itself; the test adds its credentials. */
const adding = (headers: Record<string, string>) => (url: string | URL, init: FetchInit) => fetch(url, { ...init, headers: { ...init.headers, ...headers } });

/**
 * The npm `eventsource` clients the resume tests run: the current release (its parser takes
 * the id of a block without data), and the 3.x line that @modelcontextprotocol/sdk pins,
 * whose parser (eventsource-parser 3) drops such a block, id and all.
 */
export const EVENT_SOURCE_CLIENTS: EventSourceClient[] = [
  { name: "eventsource (current)", open: (url, headers) => new EventSourceCurrent(url, { fetch: adding(headers) }) },
  { name: "eventsource 3 (MCP SDK)", open: (url, headers) => new EventSourceV3(url, { fetch: adding(headers) }) },
];

/** One dispatched event as the client's listeners saw it. */
export type Received = { type: string; lastEventId: string; data: string };

const CLOSED = 2;

/**
 * A real EventSource client that records what it dispatches: the stream's named events
 * (`ready`, `resume`) and its audit events (`message`), in order; each `open` (the first
 * connection, then every reconnection the client makes by itself) and each `error` (a lost
 * connection it will retry, or a refusal). Tests wait on what it received, never on the clock.
 */
export class EventSourceRecorder {
  readonly received: Received[] = [];
  opens = 0;
  errors = 0;
  private readonly source: Source;
  private readonly waiting = new Set<() => void>();

  constructor(client: EventSourceClient, url: string, headers: Record<string, string> = {}) {
    this.source = client.open(url, headers);
    for (const type of ["message", "ready", "resume"]) {
      this.source.addEventListener(type, (event) => {
        this.received.push({ type, lastEventId: event.lastEventId, data: event.data });
        this.changed();
      });
    }
    this.source.addEventListener("open", () => {
      this.opens += 1;
      this.changed();
    });
    this.source.addEventListener("error", () => {
      this.errors += 1;
      this.changed();
    });
  }

  /** The events of one type received so far. */
  of(type: string): Received[] {
    return this.received.filter((r) => r.type === type);
  }

  /** Resolves once `done()` holds; rejects if the client gives up for good (CLOSED). */
  until(done: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done()) {
          this.waiting.delete(check);
          resolve();
        } else if (this.source.readyState === CLOSED) {
          this.waiting.delete(check);
          reject(new Error(`the client closed after receiving ${JSON.stringify(this.received)}`));
        }
      };
      this.waiting.add(check);
      check();
    });
  }

  close(): void {
    this.source.close();
  }

  private changed(): void {
    for (const check of [...this.waiting]) check();
  }
}
