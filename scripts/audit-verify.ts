// Verifies Vigil's audit log outside Vigil: signed checkpoints, their chain, and the events
// they seal, with nothing but the public keys. Online it fetches the three inputs (and can
// save them); offline it reads saved files. Exit 0: intact; 1: a mismatch; 2: bad usage.
//
//   npm run audit:verify -- --url https://vigil.example --token "$TOKEN" [--since ...] [--until ...] [--save DIR]
//   npm run audit:verify -- --dir DIR            (checkpoints.json, events.ndjson, jwks.json)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import { checkEvents, checkLink, checkSignature, type EventView, type Finding } from "../lib/audit/checkpoints/check";
import type { CheckpointDocument } from "../lib/audit/checkpoints/digest";

type Checkpoint = { seq: number; jws: string; min_ts: string; max_ts: string };
type Inputs = { checkpoints: Checkpoint[]; expiredThrough: number; events: EventView[]; jwks: JSONWebKeySet };

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    token: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    save: { type: "string" },
    dir: { type: "string" },
  },
});

function usage(message: string): never {
  console.error(`audit-verify: ${message}\nusage: --url URL --token TOKEN [--since T] [--until T] [--save DIR] | --dir DIR`);
  process.exit(2);
}

async function get(url: URL, token: string): Promise<Response> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) usage(`${url.pathname} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return res;
}

async function fetchInputs(base: string, token: string): Promise<{ inputs: Inputs; raw: { checkpoints: string; events: string; jwks: string } }> {
  const checkpoints: Checkpoint[] = [];
  let expiredThrough = 0;
  let cursor: string | null = null;
  do {
    const url = new URL("/api/v1/audit/checkpoints", base);
    url.searchParams.set("n", "1000");
    if (cursor) url.searchParams.set("cursor", cursor);
    const page = (await (await get(url, token)).json()) as { checkpoints: Checkpoint[]; next_cursor: string | null; expired_through_seq: number };
    checkpoints.push(...page.checkpoints);
    expiredThrough = Math.max(expiredThrough, page.expired_through_seq);
    cursor = page.next_cursor;
  } while (cursor);
  const chosen = checkpoints.filter((c) => (!values.since || c.max_ts >= values.since) && (!values.until || c.min_ts <= values.until)).sort((a, b) => a.seq - b.seq);
  let events = "";
  if (chosen.length > 0) {
    const url = new URL("/api/v1/audit", base);
    url.searchParams.set("format", "ndjson");
    url.searchParams.set("since", chosen.map((c) => c.min_ts).sort()[0] ?? "");
    url.searchParams.set("until", chosen.map((c) => c.max_ts).sort().at(-1) ?? "");
    events = await (await get(url, token)).text();
  }
  const jwks = await (await get(new URL("/api/v1/audit/jwks", base), token)).text();
  const checkpointsText = JSON.stringify({ expired_through_seq: expiredThrough, checkpoints: chosen });
  return { inputs: parse(checkpointsText, events, jwks), raw: { checkpoints: checkpointsText, events, jwks } };
}

function parse(checkpointsText: string, eventsText: string, jwksText: string): Inputs {
  const { checkpoints, expired_through_seq } = JSON.parse(checkpointsText) as { checkpoints: Checkpoint[]; expired_through_seq: number };
  const events = eventsText
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EventView)
    .sort((a, b) => Number(a.id) - Number(b.id));
  return { checkpoints: [...checkpoints].sort((a, b) => a.seq - b.seq), expiredThrough: expired_through_seq ?? 0, events, jwks: JSON.parse(jwksText) as JSONWebKeySet };
}

async function* inRange(events: EventView[], first: number, last: number): AsyncGenerator<EventView> {
  for (const e of events) {
    const id = Number(e.id);
    if (id >= first && id <= last) yield e;
  }
}

async function verify(inputs: Inputs): Promise<{ finding: Finding | null; checked: number; events: number; expired: number }> {
  const getKey = createLocalJWKSet(inputs.jwks);
  let prev: CheckpointDocument | null = null;
  let events = 0;
  let expired = 0;
  for (const cp of inputs.checkpoints) {
    const signed = await checkSignature(cp.seq, cp.jws, getKey);
    if ("finding" in signed) return { finding: signed.finding, checked: cp.seq, events, expired };
    const doc = signed.doc;
    const problem = checkLink(prev, doc) ?? (cp.seq <= inputs.expiredThrough ? null : await checkEvents(doc, inRange(inputs.events, doc.first_id, doc.last_id)));
    if (problem) return { finding: problem, checked: cp.seq, events, expired };
    if (cp.seq <= inputs.expiredThrough) expired += 1;
    else events += doc.count;
    prev = doc;
  }
  return { finding: null, checked: inputs.checkpoints.length, events, expired };
}

async function main() {
  let inputs: Inputs;
  if (values.dir) {
    const read = (f: string) => readFileSync(path.join(values.dir as string, f), "utf8");
    inputs = parse(read("checkpoints.json"), read("events.ndjson"), read("jwks.json"));
  } else {
    const token = values.token ?? process.env.VIGIL_TOKEN;
    if (!values.url || !token) usage("give --url and --token (or VIGIL_TOKEN), or --dir");
    const fetched = await fetchInputs(values.url, token);
    inputs = fetched.inputs;
    if (values.save) {
      mkdirSync(values.save, { recursive: true });
      writeFileSync(path.join(values.save, "checkpoints.json"), fetched.raw.checkpoints);
      writeFileSync(path.join(values.save, "events.ndjson"), fetched.raw.events);
      writeFileSync(path.join(values.save, "jwks.json"), fetched.raw.jwks);
    }
  }
  if (inputs.checkpoints.length === 0) usage("no checkpoints to verify (none sealed in the range yet)");
  const result = await verify(inputs);
  const summary = { ok: result.finding === null, checkpoints: inputs.checkpoints.length, first: inputs.checkpoints[0]?.seq, last: inputs.checkpoints.at(-1)?.seq, events_checked: result.events, expired_checkpoints: result.expired, finding: result.finding };
  console.log(JSON.stringify(summary, null, 2));
  process.exit(result.finding ? 1 : 0);
}

await main();
