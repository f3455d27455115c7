import { getConfig, type VigilConfig } from "@/lib/config";

export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** What each console role may do, as API scopes: the one place roles meet the route table. */
export const ROLE_SCOPES: Record<Role, readonly string[]> = {
  // Every person may see and manage their own delegations (the verbs keep others' to admins).
  viewer: ["agents:read", "audit:read", "delegations:read", "delegations:write"],
  operator: ["agents:read", "audit:read", "delegations:read", "delegations:write", "agents:write", "autoheal:ack"],
  admin: ["admin"],
};

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Reads a dotted claim path (`roles`, `groups`, `realm_access.roles`) as a list of strings. */
export function claimValues(claims: Record<string, unknown>, path: string): string[] {
  return valuesOf(claimAt(claims, path));
}

/** The value at a dotted claim path; undefined when any step is missing. */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function valuesOf(value: unknown): string[] {
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

// Parsed once per configuration (tests swap it), not on every token verified.
const parsed = new WeakMap<VigilConfig, { roles: Map<string, Role>; scopes: Map<string, string[]> }>();

function mappings(config: VigilConfig) {
  let held = parsed.get(config);
  if (!held) {
    const roles = new Map<string, Role>();
    for (const pair of config.OIDC_ROLE_MAP.split(",")) {
      const [claimValue = "", role = ""] = pair.split("=");
      roles.set(claimValue.trim(), role.trim() as Role);
    }
    const scopes = new Map<string, string[]>();
    for (const entry of config.DELEGATION_SCOPE_MAP?.split(",") ?? []) {
      const eq = entry.indexOf("=");
      scopes.set(entry.slice(0, eq).trim(), entry.slice(eq + 1).split(" ").filter(Boolean));
    }
    held = { roles, scopes };
    parsed.set(config, held);
  }
  return held;
}

// Bounded like every other input. A list cut short could hide the group a forbid names, so a
// claim past these bounds is treated as absent (what Vigil last saw then applies), never cut.
const MAX_CLAIM_VALUES = 100;
const MAX_CLAIM_VALUE_CHARS = 256;

function claimList(claims: Record<string, unknown>, path: string): string[] | undefined {
  const value = claimAt(claims, path);
  // Absent is unknown, not "none": a provider that leaves the claim out of a token says nothing.
  if (value === undefined) return undefined;
  const values = valuesOf(value);
  if (values.length > MAX_CLAIM_VALUES || values.some((v) => v.length > MAX_CLAIM_VALUE_CHARS)) return undefined;
  return values;
}

/**
 * A person's roles (OIDC_ROLES_CLAIM) and groups (OIDC_GROUPS_CLAIM) as their claims give them,
 * for runtime policy; a claim absent (or past the bounds) is left out, not taken as empty.
 */
export function personFactsFromClaims(claims: Record<string, unknown>): { roles?: string[]; groups?: string[] } {
  const config = getConfig();
  const roles = claimList(claims, config.OIDC_ROLES_CLAIM);
  const groups = claimList(claims, config.OIDC_GROUPS_CLAIM);
  return { ...(roles ? { roles } : {}), ...(groups ? { groups } : {}) };
}

/** The highest role the configured mapping gives these claims, or null (refused). */
export function roleFromClaims(claims: Record<string, unknown>): Role | null {
  const config = getConfig();
  const mapping = mappings(config).roles;
  let best: Role | null = null;
  for (const value of claimValues(claims, config.OIDC_ROLES_CLAIM)) {
    const role = mapping.get(value);
    if (role && (!best || RANK[role] > RANK[best])) best = role;
  }
  return best;
}

export function scopesOfRole(role: Role | null): string[] {
  return role ? [...ROLE_SCOPES[role]] : [];
}

/**
 * The scopes a person holds by their claims (DELEGATION_SCOPE_MAP over the values at
 * DELEGATION_SCOPES_CLAIM, default OIDC_ROLES_CLAIM): what they may delegate beyond the
 * `scope` of their token.
 */
export function mappedScopesFromClaims(claims: Record<string, unknown>): string[] {
  const config = getConfig();
  if (!config.DELEGATION_SCOPE_MAP) return [];
  const mapping = mappings(config).scopes;
  const out = new Set<string>();
  for (const value of claimValues(claims, config.DELEGATION_SCOPES_CLAIM ?? config.OIDC_ROLES_CLAIM)) {
    for (const scope of mapping.get(value) ?? []) out.add(scope);
  }
  return [...out];
}
