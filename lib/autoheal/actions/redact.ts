import type { ActionPlan } from "./types";

export const REDACTED = "[redacted]";

// Names that carry credentials by convention. Matching on the name, not the value: a value
// cannot be recognised as secret, a name like X-Api-Key or Authorization can.
const SECRET_NAME = /authorization|token|secret|key|cookie|password|passwd|signature|credential|session/i;

/**
 * The plan as it may be recorded: header values (and URL query values) under secret-looking
 * names replaced, everything else — method, URL, other headers, body — exactly as sent. A
 * secret placed in a body or under an innocent name is recorded; keep secrets in headers.
 */
export function redactPlan(plan: ActionPlan): ActionPlan {
  const headers = Object.fromEntries(
    Object.entries(plan.request.headers).map(([name, value]) => [name, SECRET_NAME.test(name) ? REDACTED : value]),
  );
  return { ...plan, request: { ...plan.request, url: redactUrl(plan.request.url), headers } };
}

function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  let changed = false;
  if (url.password) {
    url.password = REDACTED;
    changed = true;
  }
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_NAME.test(name)) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? url.toString() : raw;
}
