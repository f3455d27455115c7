// The decision alone, in process: the engine Vigil uses (lib/policy/engine.ts) on a loaded
// set of N policies, with the entities and context the gateway builds for a Call. Run by
// bench/policy.mjs through tsx; prints one JSON line per size.
import { checkPolicies, decide, loadPolicies } from "@/lib/policy/engine";
import { agentEntity, contextOf, routeEntity } from "@/lib/policy/entities";
import { routeMatcher } from "@/lib/policy/routes";
// @ts-expect-error a .mjs helper shared with the HTTP benches
import { REQUESTS, SCOPES, realisticSet } from "./lib/policy-set.mjs";

type Req = { method: string; path: string };
const sizes = process.argv.slice(2).map(Number);
const DECISIONS = 20_000;

for (const size of sizes) {
  const set = realisticSet(size) as { text: string; routes: string[] };
  const checked = checkPolicies(set.text);
  if (!checked.ok) throw new Error(`set of ${size} does not validate: ${checked.problems[0]?.message}`);
  const key = `bench:${size}`;
  loadPolicies(key, checked.parsed);
  const match = routeMatcher(set.routes);
  const agent = agentEntity({ id: "00000000-0000-4000-8000-000000000001", name: "bench-agent", owner: "bench", status: "active", allowedScopes: SCOPES as string[], deploymentEnv: "production" });
  const requests = REQUESTS as Req[];
  const one = (i: number) => {
    const r = requests[i % requests.length] as Req;
    const route = routeEntity("https://invoices.bench/", r.method, r.path, match(r.path), {});
    return decide(key, { principal: agent.uid, action: "Call", resource: route.uid, context: contextOf({ now: new Date(), ip: "127.0.0.1", dpopBound: false, delegationDepth: 0, scopes: SCOPES as string[] }), entities: [agent, route] });
  };
  for (let i = 0; i < 2000; i++) if (!one(i).allow) throw new Error(`set of ${size}: request ${i} refused`);
  const times = new Float64Array(DECISIONS);
  for (let i = 0; i < DECISIONS; i++) {
    const t0 = process.hrtime.bigint();
    one(i);
    times[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  times.sort();
  const at = (p: number) => times[Math.min(DECISIONS - 1, Math.floor(p * DECISIONS))] ?? 0;
  console.log(JSON.stringify({ size, decisions: DECISIONS, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) }));
}
