// autocannon with a graceful end. Left to itself, autocannon destroys its sockets when the
// duration is up, so requests in flight are processed by the server but never counted by
// the client; any "server side count == client side count" check would then be off by up
// to one request per connection. Here, when the time is up, each connection finishes the
// request it has outstanding and then closes, and throughput is 2xx responses divided by
// the time from start to the last response.
import autocannon from "autocannon";

/**
 * @typedef {object} LoadResult
 * @property {string} label
 * @property {number} seconds time from start to the last response
 * @property {number} ok2xx
 * @property {number} non2xx
 * @property {number} errors connection errors
 * @property {number} timeouts
 * @property {number} sent
 * @property {number} completed
 * @property {number} rps 2xx responses per second
 * @property {{ p50: number, p90: number, p99: number, max: number, mean: number }} latencyMs 2xx responses only
 * @property {Record<string, number>} statusCodes
 * @property {Record<string, number>} sampleBodies a few non-2xx bodies (and 2xx bodies `expectBody`
 *   refused), with how often each was seen
 * @property {number} bodyMismatches 2xx responses whose body `expectBody` refused (0 without one)
 * @property {boolean} clean no errors, timeouts, non-2xx or refused bodies
 */

/**
 * One connection's own requests, for bodies that cannot repeat (single-use codes, rotating
 * refresh tokens). autocannon asks for the next body only after handing over the previous
 * response (its onResponse runs before the next setupRequest), so a chain can continue
 * from each answer. After a timeout or a connection error autocannon sends again without a
 * response in between: `body` is then called with `resend` true.
 * @typedef {object} Connection
 * @property {(resend: boolean) => string | undefined} body the next request's body
 * @property {(resend: boolean) => Record<string, string>} [headers] headers of the next request
 *   on top of the run's (a DPoP proof is made per request)
 * @property {(status: number, text: string) => boolean} answer sees every response; false
 *   ends this connection after it, as the end of the run does
 */

/**
 * @param {object} opts
 * @param {string} opts.label
 * @param {string} opts.url
 * @param {string} [opts.body]
 * @param {string} [opts.method] default POST
 * @param {Record<string, string>} opts.headers
 * @param {number} opts.seconds
 * @param {number} [opts.connections]
 * @param {() => Connection} [opts.perConnection] state of its own for each connection (a
 *   refresh token chain, a share of single-use codes): called once per connection
 * @param {(text: string) => boolean} [opts.expectBody] sees every 2xx body; false marks it
 *   a mismatch (a 200 can still say the wrong thing, e.g. introspection's active:false)
 * @returns {Promise<LoadResult>}
 */
export async function runLoad({ label, url, body, headers, seconds, connections = 50, method = "POST", perConnection, expectBody }) {
  /** @type {any[]} */
  const clients = [];
  /** @type {Record<string, number>} */
  const sampleBodies = {};
  let sampled = 0;
  let bodyMismatches = 0;
  let startedAt = 0;
  let lastResponseAt = 0;

  // autocannon emits "response" and then, synchronously, calls verifyBody with that same
  // response's body: the status seen last is the status of the body being verified.
  let lastStatus = 0;
  const instance = autocannon({
    url,
    method,
    body,
    headers,
    connections,
    // A hard cap only; the graceful stop below ends the run.
    duration: seconds + 30,
    timeout: 10,
    setupClient(/** @type {any} */ client) {
      clients.push(client);
      if (perConnection) ownRequests(client, perConnection(), { url, method, headers });
      client.on("response", (/** @type {number} */ statusCode) => {
        lastStatus = statusCode;
        lastResponseAt = performance.now();
      });
    },
    verifyBody(/** @type {string} */ text) {
      const ok = lastStatus >= 200 && lastStatus < 300;
      const mismatch = ok && expectBody !== undefined && !expectBody(text);
      if (mismatch) bodyMismatches++;
      if ((!ok || mismatch) && sampled < 1000) {
        sampled++;
        const key = `${lastStatus}${mismatch ? " (unexpected body)" : ""} ${text.slice(0, 300)}`;
        sampleBodies[key] = (sampleBodies[key] ?? 0) + 1;
      }
      return true;
    },
  });
  startedAt = performance.now();

  const stopTimer = setTimeout(() => {
    // responseMax is checked before each new request: the outstanding one completes, the
    // next one is not sent and the client closes ("done"). autocannon ends when all are done.
    for (const c of clients) c.responseMax = Math.max(1, c.reqsMade);
  }, seconds * 1000);

  /** @type {any} */
  let result;
  try {
    result = await instance;
  } finally {
    clearTimeout(stopTimer);
  }

  const elapsed = Math.max(0.001, ((lastResponseAt || performance.now()) - startedAt) / 1000);
  const ok2xx = result["2xx"];
  /** @type {Record<string, number>} */
  const statusCodes = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = /** @type {any} */ (v).count;
  return {
    label,
    seconds: Math.round(elapsed * 1000) / 1000,
    ok2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    sent: result.requests.sent,
    completed: result.requests.total,
    rps: Math.round((ok2xx / elapsed) * 10) / 10,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    statusCodes,
    sampleBodies,
    bodyMismatches,
    clean: result.errors === 0 && result.timeouts === 0 && result.non2xx === 0 && bodyMismatches === 0,
  };
}

/**
 * Replaces an autocannon client's one static request with one built from the connection's
 * state. setRequests builds the first request at once; each later one is built as it is sent.
 * @param {any} client
 * @param {Connection} conn
 * @param {{ url: string, method: string, headers: Record<string, string> }} request
 */
function ownRequests(client, conn, { url, method, headers }) {
  let awaiting = false;
  const { pathname, search } = new URL(url);
  client.setRequests([
    {
      method,
      path: `${pathname}${search}`,
      headers,
      setupRequest: (/** @type {Record<string, unknown>} */ req) => {
        const resend = awaiting;
        awaiting = true;
        const own = conn.headers?.(resend);
        return { ...req, body: conn.body(resend), ...(own ? { headers: { ...req.headers, ...own } } : {}) };
      },
      onResponse: (/** @type {number} */ status, /** @type {string} */ text) => {
        awaiting = false;
        if (!conn.answer(status, text)) client.responseMax = Math.max(1, client.reqsMade);
      },
    },
  ]);
}
