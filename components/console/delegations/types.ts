import type { GrantView } from "@/lib/identity/delegations/schemas";

export type { GrantView };
export type GrantPage = { delegations: GrantView[]; next_cursor: string | null };

/** An agent the person may pick: what it may ever hold, and where its tokens may go. */
export type AgentOption = { id: string; name: string; scopes: string[]; resources: string[] };

/** Agent names by id, for tables that list grants (an unknown id is shown as itself). */
export type AgentNames = Record<string, string>;

export const MINE_URL = "/api/v1/delegations?mine=true&limit=200";

export type GrantStatus = "active" | "revoked" | "expired";

export function grantStatus(g: GrantView): GrantStatus {
  if (g.revoked_at) return "revoked";
  return g.active ? "active" : "expired";
}

/** Active grants first (what can still be used matters most), each group newest first as the API sends it. */
export function activeFirst(grants: GrantView[]): GrantView[] {
  return [...grants.filter((g) => g.active), ...grants.filter((g) => !g.active)];
}

export const utc = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
