import { setFlagsFromString } from "node:v8";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { guardOf, mayApply, type Guard } from "./guards";
import { VIGIL_SCHEMA, type PolicyAction } from "./schema";

/**
 * The one module that knows the policy engine is Cedar (cedar-wasm, in process). Everything
 * else speaks in policy text, problems with positions, and decisions: swapping the engine
 * means rewriting this file.
 */

export type PolicyProblem = { message: string; help?: string; line: number; column: number; policy?: string };
export type Uid = { type: string; id: string };
export type PolicyEntity = { uid: Uid; attrs: Record<string, unknown>; parents: Uid[]; tags?: Record<string, string> };
export type DecisionRequest = { principal: Uid; action: PolicyAction; resource: Uid; context: Record<string, unknown>; entities: PolicyEntity[] };
/** `policies`: the ids of the policies that decided (the permits that allowed, or the forbids that denied). */
export type Decision = { allow: boolean; policies: string[]; errors: string[] };

// Node 20's V8 aborts the whole process ("Fatal error … unreachable code", in
// Deoptimizer::DoComputeBuiltinContinuation) when optimised code that inlined a call into
// the engine's WebAssembly deoptimises inside a callback from it: reproduced here with a hot
// loop of decisions on one set, then the first on another. Not inlining JS-to-Wasm calls
// avoids it (measured cost: none beyond noise; each decision is one call).
setFlagsFromString("--no-turbo-inline-js-wasm-calls");

const SCHEMA_KEY = "vigil";
let schemaLoaded = false;
function loadSchema(): void {
  if (schemaLoaded) return;
  const answer = cedar.preparseSchema(SCHEMA_KEY, VIGIL_SCHEMA);
  if (answer.type !== "success") throw new Error(`Vigil's own policy schema does not parse: ${answer.errors.map((e) => e.message).join("; ")}`);
  schemaLoaded = true;
}

/** The policies of a text, each under its `@id("…")` or, without one, `policy<N>` (N from 0, in order). */
export type ParsedPolicies = { ids: string[]; byId: Record<string, string> };

/**
 * Parses and validates `text` against Vigil's schema (strict mode). Problems carry the
 * 1-based line and column of their first position in `text`.
 */
export function checkPolicies(text: string): { ok: true; parsed: ParsedPolicies } | { ok: false; problems: PolicyProblem[] } {
  const answer = cedar.validate({ schema: VIGIL_SCHEMA, policies: { staticPolicies: text }, validationSettings: { mode: "strict" } });
  if (answer.type === "failure") return { ok: false, problems: answer.errors.map((e) => problem(text, e)) };
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === "failure") return { ok: false, problems: parts.errors.map((e) => problem(text, e)) };
  if (answer.validationErrors.length > 0) {
    // The engine names policies by position (policy0, …); people named them with @id.
    const named = (id: string) => {
      const i = /^policy(\d+)$/.exec(id)?.[1];
      const part = i === undefined ? undefined : parts.policies[Number(i)];
      return part === undefined ? id : idOf(part, Number(i));
    };
    return { ok: false, problems: answer.validationErrors.map((v) => problem(text, v.error, named(v.policyId))) };
  }
  if (parts.policy_templates.length > 0) return { ok: false, problems: [{ message: "policy templates are not supported; write static policies", line: 1, column: 1 }] };
  const byId: Record<string, string> = {};
  const ids: string[] = [];
  for (const [i, policy] of parts.policies.entries()) {
    const id = idOf(policy, i);
    if (byId[id] !== undefined) {
      const second = text.indexOf(`"${id}"`, text.indexOf(`"${id}"`) + 1);
      const at = lineAndColumn(text.slice(0, Math.max(0, second)));
      return { ok: false, problems: [{ message: `two policies have the id "${id}"; ids name the policy that decided and must be unique`, ...at }] };
    }
    byId[id] = policy;
    ids.push(id);
  }
  return { ok: true, parsed: { ids, byId } };
}

const idOf = (policy: string, i: number) => /@id\(\s*"((?:[^"\\]|\\.)*)"\s*\)/.exec(policy)?.[1] ?? `policy${i}`;

/** The ids of the policies in text already validated (listing a set): split only, not checked again. */
export function policyIds(text: string): string[] {
  const parts = cedar.policySetTextToParts(text);
  return parts.type === "success" ? parts.policies.map(idOf) : [];
}

/**
 * A policy set loaded for decisions under `key` (one per set: loading again replaces it).
 * Decisions parse nothing: the policies and schema are held inside the engine.
 */
export function loadPolicies(key: string, parsed: ParsedPolicies): void {
  loadSchema();
  const answer = cedar.preparsePolicySet(key, { staticPolicies: parsed.byId });
  if (answer.type !== "success") throw new Error(`policies under ${key} do not parse: ${answer.errors.map((e) => e.message).join("; ")}`);
  if (parsed.ids.length < SLICE_FROM) {
    loaded.delete(key);
    return;
  }
  const guards = parsed.ids.map((id) => {
    const json = cedar.policyToJson(parsed.byId[id] as string);
    return json.type === "success" ? guardOf(json.json) : guardOf(null);
  });
  loaded.set(key, { parsed, guards, attrs: [...new Set(guards.flatMap((g) => g.attrEquals.map(([a]) => a)))], byAsker: new Map(), bySubset: new Map() });
}

/**
 * Whether any policy reads `context.time` (however written: `.time`, `["time"]`, `has time`), or
 * uses the context whole, read from the policies' JSON form: decisions of such sets change
 * every second and are cached by the second.
 */
export function readsTime(parsed: ParsedPolicies): boolean {
  for (const id of parsed.ids) {
    const json = cedar.policyToJson(parsed.byId[id] as string);
    if (json.type !== "success") return true;
    const text = JSON.stringify(json.json);
    const uses = text.split('{"Var":"context"}').length - 1;
    const attributes = text.split('{"Var":"context"},"attr":"').length - 1;
    if (uses !== attributes || text.includes('{"Var":"context"},"attr":"time"')) return true;
  }
  return false;
}

/** How many distinct subsets of a loaded set have been prepared (tests: slicing really happens). */
export function slicesOf(key: string): number {
  return loaded.get(key)?.bySubset.size ?? 0;
}

/** Frees a loaded set and its slices in the engine (a version replaced or removed). */
export function unloadPolicies(key: string): void {
  const sliced = loaded.get(key);
  loaded.delete(key);
  // The engine has no "forget": an empty set under the same id releases what it held.
  for (const id of [key, ...(sliced ? sliced.bySubset.values() : [])]) cedar.preparsePolicySet(id, { staticPolicies: {} });
}

// Sets this large are asked only the policies that may apply (guards.ts); smaller ones whole.
const SLICE_FROM = 64;
// Distinct subsets kept per set (each preparsed in the engine), and askers remembered.
const MAX_SUBSETS = 1024;
const MAX_ASKERS = 50_000;
type Sliced = { parsed: ParsedPolicies; guards: Guard[]; attrs: string[]; byAsker: Map<string, string>; bySubset: Map<string, string> };
const loaded = new Map<string, Sliced>();

/**
 * The preparsed set to ask: for a large set, the subset of policies that may apply to this
 * action and principal, preparsed once per distinct subset (many principals share one).
 */
function sliceFor(key: string, request: DecisionRequest): string {
  const set = loaded.get(key);
  if (!set) return key;
  const p = request.principal;
  let attrs: Record<string, unknown> | undefined;
  for (const e of request.entities) {
    if (e.uid.type === p.type && e.uid.id === p.id) {
      attrs = e.attrs;
      break;
    }
  }
  let asker = `${request.action}\u0000${p.type}\u0000${p.id}`;
  for (const a of set.attrs) asker += `\u0000${String(attrs?.[a])}`;
  const known = set.byAsker.get(asker);
  if (known) return known;
  const ids: string[] = [];
  const principal = { type: p.type, id: p.id, attrs };
  for (let i = 0; i < set.parsed.ids.length; i++) {
    if (mayApply(set.guards[i] as Guard, request.action, principal)) ids.push(set.parsed.ids[i] as string);
  }
  const content = ids.join("\u0000");
  let sliceKey = set.bySubset.get(content);
  if (!sliceKey) {
    // Past the bound, the whole set answers: slower, never wrong.
    if (set.bySubset.size >= MAX_SUBSETS) return key;
    sliceKey = `${key}#${set.bySubset.size}`;
    const policies: Record<string, string> = {};
    for (const id of ids) policies[id] = set.parsed.byId[id] as string;
    const answer = cedar.preparsePolicySet(sliceKey, { staticPolicies: policies });
    if (answer.type !== "success") return key;
    set.bySubset.set(content, sliceKey);
  }
  if (set.byAsker.size >= MAX_ASKERS) set.byAsker.clear();
  set.byAsker.set(asker, sliceKey);
  return sliceKey;
}

/** The request in the engine's terms, the same for loaded sets and drafts. */
const asCedar = (request: DecisionRequest) => ({
  principal: request.principal,
  action: { type: "Vigil::Action", id: request.action },
  resource: request.resource,
  context: request.context as cedar.Context,
  entities: request.entities as cedar.Entities,
});

export function decide(key: string, request: DecisionRequest): Decision {
  const preparsedPolicySetId = sliceFor(key, request);
  const answer = cedar.statefulIsAuthorized({
    ...asCedar(request),
    preparsedPolicySetId,
    // The request is built by Vigil from the schema's own types; checking it again on
    // every gateway request would cost a third of the decision.
    validateRequest: false,
  });
  return toDecision(answer);
}

/** A decision against policy text not loaded (the console's what-if on a draft). */
export function decideWith(parsed: ParsedPolicies, request: DecisionRequest): Decision {
  const answer = cedar.isAuthorized({
    ...asCedar(request),
    policies: { staticPolicies: parsed.byId },
    schema: VIGIL_SCHEMA,
    validateRequest: true,
  });
  return toDecision(answer);
}

function toDecision(answer: cedar.AuthorizationAnswer): Decision {
  if (answer.type === "failure") return { allow: false, policies: [], errors: answer.errors.map((e) => e.message) };
  const { decision, diagnostics } = answer.response;
  // Sorted: the engine's order is its own (set iteration), and the reason a caller sees must not vary.
  return { allow: decision === "allow", policies: [...diagnostics.reason].sort(), errors: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`) };
}

function problem(text: string, error: cedar.DetailedError, policy?: string): PolicyProblem {
  const start = error.sourceLocations?.[0]?.start ?? 0;
  return {
    message: error.message,
    ...(error.help ? { help: error.help } : {}),
    ...positionOf(text, start),
    ...(policy ? { policy } : {}),
  };
}

/** 1-based line and column of a byte offset (the engine counts bytes; people count characters). */
function positionOf(text: string, byteOffset: number): { line: number; column: number } {
  return lineAndColumn(Buffer.from(text).subarray(0, byteOffset).toString("utf8"));
}

function lineAndColumn(before: string): { line: number; column: number } {
  const lines = before.split("\n");
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/**
 * Whether a schema text (a POLICY_DIR's `schema.cedarschema`, which GitOps tooling validates
 * policies against before they reach Vigil) describes exactly Vigil's schema: compared as
 * parsed, so layout and comments do not matter.
 */
export function sameSchema(text: string): { ok: true } | { ok: false; problem: string } {
  const theirs = cedar.schemaToJson(text);
  if (theirs.type === "failure") return { ok: false, problem: `does not parse: ${theirs.errors.map((e) => e.message).join("; ")}` };
  const ours = cedar.schemaToJson(VIGIL_SCHEMA);
  if (ours.type === "failure") throw new Error("Vigil's own policy schema does not parse");
  return canonical(theirs.json) === canonical(ours.json) ? { ok: true } : { ok: false, problem: "differs from the schema Vigil decides with (see lib/policy/schema.ts, or deploy/policies/schema.cedarschema)" };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}
