import type { ActionPlan } from "./types";

export const REDACTED = "[redacted]";

// Names that carry credentials by convention. Matching on the name, not the value: a value
// cannot be recognised as secret, a name like X-Api-Key or Authorization can.
const SECRET_NAME = /authorization|token|secret|key|cookie|password|passwd|signature|credential|session/i;

/**
 * The plan as it may be recorded: header values (and URL query values) under secret-looking
 * names replaced, everything else — method, URL, other headers, body — exactly as sent. A
 * secret placed in a body, in the URL's path (a Slack-style hook URL) or under an innocent
 * name is recorded: keep secrets in headers.
 */
export function redactPlan(plan: ActionPlan): ActionPlan {
  const headers = Object.fromEntries(
    Object.entries(plan.request.headers).map(([name, value]) => [name, SECRET_NAME.test(name) ? REDACTED : value]),
  );
  const url = redactUrl(plan.request.url);
  // The summary repeats the URL (the webhook's is "METHOD URL"): redact it there too.
  const summary = url === plan.request.url ? plan.summary : plan.summary.split(plan.request.url).join(url);
  return { ...plan, summary, request: { ...plan.request, url, headers } };
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
