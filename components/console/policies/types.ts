import type { PolicySetView } from "@/lib/policy/store";

export type { PolicySetView };
export type PolicyMode = PolicySetView["mode"];
export type PolicyProblem = { line: number; column: number; message: string; help?: string; policy?: string };
export type Validation = { valid: true; policies: string[] } | { valid: false; problems: PolicyProblem[] };
export type VersionSummary = { version: number; mode: PolicyMode; comment: string; author: string; created_at: string };
export type PolicySetDetail = PolicySetView & { versions: VersionSummary[] };
export type PolicyVersion = { name: string; version: number; audience: string; mode: PolicyMode; text: string; routes: string[]; headers: string[]; comment: string; author: string; created_at: string };
export type AgentOption = { id: string; name: string };

/**
 * What the editor holds: a saved set being changed, or a new one (`base` 0). Routes and
 * headers stay as typed (one per line) until sent, so typing a newline is not undone.
 */
export type Draft = { name: string; audience: string; mode: PolicyMode; text: string; routes: string; headers: string; base: number };

export const LIST_URL = "/api/v1/policies";
export const setUrl = (name: string) => `/api/v1/policies/${encodeURIComponent(name)}`;

export const NEW_SET_TEXT = `// Cedar denies by default: permit every action this audience needs.
@id("issue-tokens")
permit (principal is Vigil::Agent, action == Vigil::Action::"IssueToken", resource);
`;

export const draftOf = (set: PolicySetView): Draft => ({ name: set.name, audience: set.audience, mode: set.mode, text: set.text, routes: set.routes.join("\n"), headers: set.headers.join("\n"), base: set.version });
export const emptyDraft = (): Draft => ({ name: "", audience: "", mode: "shadow", text: NEW_SET_TEXT, routes: "", headers: "", base: 0 });

export const utc = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

/** One item per line, blank lines dropped: how the route and header lists are typed. */
export const lines = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
