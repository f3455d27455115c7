/**
 * A person, as their organisation's provider names them. Subjects are unique only per
 * issuer, so a person is always the pair; `personId` joins it into one string that is a
 * valid JWT `sub` (a URI: the issuer, with the subject as its fragment — issuers have no
 * fragment of their own, RFC 8414 §2).
 */
export type Person = {
  issuer: string;
  sub: string;
  /** How screens and logs show them (their email when known). */
  label: string;
  /** What they hold, and so what they may let an agent do for them. */
  scopes: ReadonlySet<string>;
  /**
   * Their roles and groups as their provider's claims say, where those claims are at hand (a
   * console session, a provider token); for Vigil's own tokens they are read from what Vigil
   * last saw (lib/policy/person-facts.ts).
   */
  roles?: readonly string[];
  groups?: readonly string[];
};

export function personId(issuer: string, sub: string): string {
  return `${issuer}#${encodeURIComponent(sub)}`;
}

/** The pair back from a personId, or null for anything else (an agent id, say). */
export function parsePersonId(id: string): { issuer: string; sub: string } | null {
  const hash = id.indexOf("#");
  if (hash <= 0) return null;
  try {
    return { issuer: id.slice(0, hash), sub: decodeURIComponent(id.slice(hash + 1)) };
  } catch {
    return null;
  }
}
