import { OAuthError } from "./oauth-error";

/** An OAuth form as the route wrapper reads it: a field given twice is a list. */
export type OAuthForm = Record<string, unknown>;

/** A parameter that must not repeat (RFC 6749 §3.2), or null when absent. */
export function oauthParam(form: OAuthForm, name: string): string | null {
  const value = form[name];
  if (value === undefined) return null;
  if (typeof value !== "string") throw new OAuthError("invalid_request", `Parameter ${name} must not repeat.`);
  return value;
}

/** A parameter that may repeat (RFC 8707 `resource`), as a list. */
export function oauthParams(form: OAuthForm, name: string): string[] {
  const value = form[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
}
