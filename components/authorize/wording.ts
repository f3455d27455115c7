/** "1 hour", "7 days": how the consent page names a duration in seconds. */
export function durationLabel(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (seconds % 86_400 === 0) return plural(seconds / 86_400, "day");
  if (seconds % 3600 === 0) return plural(seconds / 3600, "hour");
  return plural(Math.max(1, Math.round(seconds / 60)), "minute");
}

/** What Vigil's own API scopes let an agent do; any other scope is shown by its name alone. */
const SCOPE_TEXT: Record<string, string> = {
  "agents:read": "see agents, their credentials (never secrets) and usage",
  "agents:write": "register and change agents and their credentials",
  "audit:read": "read the audit log",
  "autoheal:ack": "silence alerts in Alertmanager",
  "delegations:read": "see delegations",
  "delegations:write": "let agents act for you, and revoke that",
  admin: "everything in Vigil",
};

export const scopeText = (scope: string): string | null => SCOPE_TEXT[scope] ?? null;

/** A UTC timestamp to the minute, as the console shows them. */
export const utcMinute = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

/** Only https images and links from a registration are ever used (the API already insists). */
export function httpsUrl(value: string | null): string | null {
  if (!value) return null;
  try {
    return new URL(value).protocol === "https:" ? value : null;
  } catch {
    return null;
  }
}
