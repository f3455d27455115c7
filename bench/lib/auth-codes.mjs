// Authorization codes for bench/authcode.mjs. Codes come from a person's consent, which is
// too slow a path (a grant written, two audit events) to make tens of thousands of codes that
// each live 60 seconds. So: a few codes through the real consent path, POST
// /api/v1/authorize/decision with the person's provider token, and for the measured runs
// codes written straight into authorization_codes as copies of a row that path wrote. Only
// what must differ per code differs: the hash, the PKCE challenge (of a verifier of its own),
// and created_at / expires_at (now() + 60 s, as lib/identity/authorize/approve.ts writes it).
import { createHash, randomBytes } from "node:crypto";

// approve.ts CODE_LIFETIME_SECONDS; a code is handed out no later than this before it expires,
// so that even a request stuck until autocannon's 10 s timeout reaches Vigil in time.
const MARGIN_MS = 10_000;
// Each insert covers at most this much load: with the margin, well inside 60 s.
const MAX_SLICE_SECONDS = 40;
// While a run lasts, keep this many seconds of codes ahead of the rate seen.
const AHEAD_SECONDS = 3;

/** @param {string} s */
export const sha256 = (s) => createHash("sha256").update(s, "utf8").digest("base64url");

/** RFC 7636 §4.1-4.2: a 43-character verifier and its S256 challenge. */
export function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: sha256(verifier) };
}

/**
 * A person approves the agent through the consent page's endpoint, as the console does it,
 * with their provider token as bearer (role viewer: delegations:write). Checks the redirect
 * as a client would (its own redirect_uri, its state, `iss` per RFC 9207) and returns the code.
 * @param {{ baseUrl: string, personToken: string, clientId: string, redirectUri: string, scope: string, resource: string, durationSeconds: number }} opts
 * @returns {Promise<{ code: string, verifier: string }>}
 */
export async function approveThroughDecision({ baseUrl, personToken, clientId, redirectUri, scope, resource, durationSeconds }) {
  const { verifier, challenge } = pkce();
  const state = randomBytes(12).toString("base64url");
  const res = await fetch(`${baseUrl}/api/v1/authorize/decision`, {
    method: "POST",
    headers: { authorization: `Bearer ${personToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state,
      scope,
      resource,
      decision: "approve",
      duration_seconds: durationSeconds,
    }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /api/v1/authorize/decision -> HTTP ${res.status} ${text.slice(0, 500)}`);
  const to = new URL(/** @type {{ redirect_to: string }} */ (JSON.parse(text)).redirect_to);
  const code = to.searchParams.get("code");
  if (`${to.origin}${to.pathname}` !== redirectUri || to.searchParams.get("state") !== state || to.searchParams.get("iss") !== baseUrl || !code) {
    throw new Error(`decision redirect is not a code for this request: ${to}`);
  }
  return { code, verifier };
}

/**
 * `n` codes copied from the template row, each with its own verifier. One statement.
 * @param {import("postgres").Sql} sql
 * @param {string} templateHash code_hash of a row the decision endpoint wrote
 * @param {number} n
 */
async function insertCodes(sql, templateHash, n) {
  /** @type {{ code: string, verifier: string }[]} */
  const codes = [];
  const hashes = [];
  const challenges = [];
  for (let i = 0; i < n; i++) {
    const code = `vgac_${randomBytes(32).toString("base64url")}`;
    const { verifier, challenge } = pkce();
    codes.push({ code, verifier });
    hashes.push(sha256(code));
    challenges.push(challenge);
  }
  const [row] = await sql`
    with added as (
      insert into authorization_codes
        (code_hash, client_id, agent_id, grant_id, person_issuer, person_sub, person_label, scopes, resources, redirect_uri, code_challenge, expires_at)
      select u.code_hash, t.client_id, t.agent_id, t.grant_id, t.person_issuer, t.person_sub, t.person_label, t.scopes, t.resources, t.redirect_uri,
             u.code_challenge, now() + make_interval(secs => 60)
      from authorization_codes t
      cross join unnest(${hashes}::text[], ${challenges}::text[]) as u(code_hash, code_challenge)
      where t.code_hash = ${templateHash}
      returning expires_at
    )
    select count(*)::int as n, min(expires_at) as expires_at from added`;
  if (!row || row.n !== n) throw new Error(`inserted ${row?.n ?? 0} of ${n} codes (template ${templateHash} missing?)`);
  return { codes, expiresAt: new Date(row.expires_at) };
}

/**
 * Single-use codes for the measured runs, handed out in insertion order and never after
 * their expiry minus MARGIN_MS. Counts what it inserted, handed out and threw away.
 */
export class CodePool {
  /** @param {import("postgres").Sql} sql @param {string} templateHash */
  constructor(sql, templateHash) {
    this.sql = sql;
    this.templateHash = templateHash;
    /** @type {{ codes: { code: string, verifier: string }[], next: number, usableUntil: number }[]} */
    this.slices = [];
    this.inserted = 0;
    this.taken = 0;
    this.discarded = 0;
  }

  /** @param {number} n @returns {Promise<{ codes: number, ms: number }>} */
  async add(n) {
    const started = performance.now();
    const { codes, expiresAt } = await insertCodes(this.sql, this.templateHash, n);
    this.slices.push({ codes, next: 0, usableUntil: expiresAt.getTime() - MARGIN_MS });
    this.inserted += n;
    return { codes: n, ms: Math.round(performance.now() - started) };
  }

  /** The next usable code, or null when the pool is dry. */
  take() {
    const now = Date.now();
    for (;;) {
      const s = this.slices[0];
      if (!s) return null;
      const code = s.next < s.codes.length && now < s.usableUntil ? s.codes[s.next] : undefined;
      if (code) {
        s.next++;
        this.taken++;
        return code;
      }
      this.discarded += s.codes.length - s.next;
      this.slices.shift();
    }
  }

  /** Codes still usable `horizonMs` from now. @param {number} horizonMs */
  usable(horizonMs) {
    const at = Date.now() + horizonMs;
    return this.slices.reduce((n, s) => n + (s.usableUntil > at ? s.codes.length - s.next : 0), 0);
  }

  /** Forgets what is left (it expires unused): every run starts from a fresh insert. */
  drain() {
    for (const s of this.slices) this.discarded += s.codes.length - s.next;
    this.slices = [];
  }

  /**
   * Fills the pool for a run of `seconds` at twice `rate` codes/s (short warm-ups understate
   * the rate), plus two per connection: each holds its next code while one is in flight.
   * @param {number} rate @param {number} seconds @param {number} connections
   */
  fillFor(rate, seconds, connections) {
    return this.add(Math.ceil(rate * Math.min(seconds + AHEAD_SECONDS, MAX_SLICE_SECONDS) * 2) + 2 * connections);
  }

  /**
   * The fallback while a run lasts: when fewer codes will still be usable in AHEAD_SECONDS
   * than the rest of the run needs at the rate seen (at least `floorRate`), insert more. With a pool sized from an
   * earlier run's rate this does nothing in runs up to ~40 s; it is what keeps a longer run
   * or a faster-than-expected one supplied, and every top-up is reported with the run.
   * @param {{ floorRate: number, seconds: number, connections: number }} opts
   * @returns {() => Promise<{ atSeconds: number, codes: number, ms: number }[]>} stop
   */
  watch({ floorRate, seconds, connections }) {
    const started = performance.now();
    const takenBefore = this.taken;
    /** @type {{ atSeconds: number, codes: number, ms: number }[]} */
    const topUps = [];
    /** @type {Promise<void> | null} */
    let busy = null;
    /** @type {unknown} */
    let failure = null;
    const timer = setInterval(() => {
      if (busy) return;
      const elapsed = (performance.now() - started) / 1000;
      // Each connection takes its first two codes at once (one sent, one ready): not a rate.
      const rate = elapsed < 1 ? floorRate : Math.max(floorRate, (this.taken - takenBefore - 2 * connections) / elapsed);
      // Enough for the rest of the run (at most AHEAD_SECONDS of it), and the one code each
      // connection takes as it hands in its last answer.
      const needed = rate * Math.min(AHEAD_SECONDS, Math.max(0, seconds - elapsed) + 0.5) + connections;
      if (this.usable(AHEAD_SECONDS * 1000) >= needed) return;
      const n = Math.ceil(rate * Math.min(MAX_SLICE_SECONDS, Math.max(AHEAD_SECONDS, seconds - elapsed) + AHEAD_SECONDS));
      busy = this.add(n)
        .then((r) => void topUps.push({ atSeconds: Math.round(elapsed * 10) / 10, ...r }))
        .catch((error) => void (failure = error))
        .finally(() => void (busy = null));
    }, 200);
    return async () => {
      clearInterval(timer);
      await busy;
      if (failure) throw failure;
      return topUps;
    };
  }
}
