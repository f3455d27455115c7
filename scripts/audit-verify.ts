// Verifies Vigil's audit log outside Vigil: signed checkpoints, their chain from the first
// one, and the events they seal, with nothing but the public keys. Online it fetches the
// three inputs (and can save them); offline it reads saved files. Exit 0: intact; 1: a
// mismatch; 2: bad usage or nothing to verify.
//
//   npm run audit:verify -- --url https://vigil.example --token "$TOKEN" [--since T] [--until T] [--save DIR]
//   npm run audit:verify -- --dir DIR            (checkpoints.json, events.ndjson, jwks.json)
//   --jwks FILE     trust these keys instead of the ones fetched or saved (pin them once)
//   --anchor N:HASH checkpoint N must have this hash (from an earlier run's last_hash): a
//                   chain rebuilt after deleting checkpoints does not pass
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import { checkEvents, checkLink, checkSignature, inTimeRange, isExpired, retentionMarks, type EventView, type Finding } from "../lib/audit/checkpoints/check";
import { documentHash, type CheckpointDocument } from "../lib/audit/checkpoints/digest";

type Checkpoint = { seq: number; jws: string };
type Inputs = { checkpoints: Checkpoint[]; events: EventView[]; jwks: JSONWebKeySet };

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    token: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    save: { type: "string" },
    dir: { type: "string" },
    jwks: { type: "string" },
    anchor: { type: "string" },
  },
});

function usage(message: string): never {
  console.error(`audit-verify: ${message}\nusage: --url URL --token TOKEN [--since T] [--until T] [--save DIR] | --dir DIR; [--jwks FILE] [--anchor N:HASH]`);
  process.exit(2);
}

async function get(url: URL, token: string): Promise<Response> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) usage(`${url.pathname} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return res;
}

/** The signed document, read without verifying (only to choose what to fetch). */
const unverifiedDoc = (jws: string) => JSON.parse(Buffer.from(jws.split(".")[1] ?? "", "base64url").toString("utf8")) as CheckpointDocument;

async function fetchInputs(base: string, token: string) {
  const checkpoints: Checkpoint[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL("/api/v1/audit/checkpoints", base);
    url.searchParams.set("n", "1000");
    if (cursor) url.searchParams.set("cursor", cursor);
    const page = (await (await get(url, token)).json()) as { checkpoints: Checkpoint[]; next_cursor: string | null };
    checkpoints.push(...page.checkpoints.map(({ seq, jws }) => ({ seq, jws })));
    cursor = page.next_cursor;
  } while (cursor);
  // Events of the checkpoints in range, and every later one (retention's own records).
  const chosen = checkpoints.map((c) => unverifiedDoc(c.jws)).filter((d) => inTimeRange(d, values.since, values.until));
  let events = "";
  if (chosen.length > 0) {
    const url = new URL("/api/v1/audit", base);
    url.searchParams.set("format", "ndjson");
    url.searchParams.set("since", chosen.map((d) => d.min_ts).sort()[0] ?? "");
    events = await (await get(url, token)).text();
  }
  const jwks = await (await get(new URL("/api/v1/audit/jwks", base), token)).text();
  const checkpointsText = JSON.stringify({ checkpoints });
  return { checkpoints: checkpointsText, events, jwks };
}

function parse(checkpointsText: string, eventsText: string, jwksText: string): Inputs {
  const { checkpoints } = JSON.parse(checkpointsText) as { checkpoints: Checkpoint[] };
  const events = eventsText
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EventView)
    .sort((a, b) => Number(a.id) - Number(b.id));
  return { checkpoints: [...checkpoints].sort((a, b) => a.seq - b.seq), events, jwks: JSON.parse(jwksText) as JSONWebKeySet };
}

async function* inRange(events: EventView[], first: number, last: number): AsyncGenerator<EventView> {
  for (const e of events) {
    const id = Number(e.id);
    if (id >= first && id <= last) yield e;
  }
}

async function verify(inputs: Inputs) {
  const getKey = createLocalJWKSet(inputs.jwks);
  const marks = retentionMarks(inputs.events);
  const anchor = values.anchor?.match(/^(\d+):([0-9a-f]{64})$/);
  if (values.anchor && !anchor) usage("--anchor is N:HASH (64 hex digits)");
  let prev: CheckpointDocument | null = null;
  let events = 0;
  let expired = 0;
  let checked = 0;
  let anchored = false;
  const done = (finding: Finding | null) => ({ finding, checked, events, expired, last_hash: prev ? documentHash(prev) : null, anchored });
  for (const cp of inputs.checkpoints) {
    const signed = await checkSignature(cp.seq, cp.jws, getKey);
    if ("finding" in signed) return done(signed.finding);
    const doc = signed.doc;
    const link = checkLink(prev, doc);
    if (link) return done(link);
    if (anchor && doc.seq === Number(anchor[1])) {
      if (documentHash(doc) !== anchor[2]) return done({ seq: doc.seq, problem: "anchor", detail: `checkpoint ${doc.seq} is not the one anchored: the chain was rebuilt` });
      anchored = true;
    }
    prev = doc;
    if (!inTimeRange(doc, values.since, values.until)) continue;
    const gone = isExpired(doc, marks);
    const problem = await checkEvents(doc, inRange(inputs.events, doc.first_id, doc.last_id), undefined, gone);
    if (problem) return done(problem);
    checked += 1;
    if (gone) expired += 1;
    else events += doc.count;
  }
  if (anchor && !anchored) return done({ seq: Number(anchor[1]), problem: "anchor", detail: `checkpoint ${anchor[1]} (anchored) is missing` });
  return done(null);
}

async function main() {
  let raw: { checkpoints: string; events: string; jwks: string };
  if (values.dir) {
    const read = (f: string) => readFileSync(path.join(values.dir as string, f), "utf8");
    raw = { checkpoints: read("checkpoints.json"), events: read("events.ndjson"), jwks: read("jwks.json") };
  } else {
    const token = values.token ?? process.env.VIGIL_TOKEN;
    if (!values.url || !token) usage("give --url and --token (or VIGIL_TOKEN), or --dir");
    raw = await fetchInputs(values.url, token);
    if (values.save) {
      mkdirSync(values.save, { recursive: true });
      writeFileSync(path.join(values.save, "checkpoints.json"), raw.checkpoints);
      writeFileSync(path.join(values.save, "events.ndjson"), raw.events);
      writeFileSync(path.join(values.save, "jwks.json"), raw.jwks);
    }
  }
  if (values.jwks) raw.jwks = readFileSync(values.jwks, "utf8");
  const inputs = parse(raw.checkpoints, raw.events, raw.jwks);
  if (inputs.checkpoints.length === 0) usage("no checkpoints to verify (none sealed yet)");
  const result = await verify(inputs);
  const summary = { ok: result.finding === null, checkpoints: inputs.checkpoints.length, checked_checkpoints: result.checked, events_checked: result.events, expired_checkpoints: result.expired, anchored: result.anchored, last_hash: result.last_hash, finding: result.finding };
  console.log(JSON.stringify(summary, null, 2));
  process.exit(result.finding ? 1 : 0);
}

await main();
