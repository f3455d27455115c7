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

/**
 * A URL as it may be shown or recorded: the password of its userinfo and the values of query
 * parameters with secret-looking names replaced, everything else exactly as written (rule
 * templates such as {{ labels.service }} included). The one redaction the audit records, the
 * rules API and the console's Autoheal page all use.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  let out = raw;
  if (url.password) out = out.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):[^@/?#]*@/i, `$1:${REDACTED}@`);
  const q = out.indexOf("?");
  if (q < 0) return out;
  const hash = out.indexOf("#", q);
  const query = out.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      return eq > 0 && SECRET_NAME.test(safeDecode(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join("&");
  return `${out.slice(0, q + 1)}${redacted}${hash < 0 ? "" : out.slice(hash)}`;
}

/** Redacts every http(s) URL inside a line of text (an action's target: "POST https://…"). */
export function redactUrlsIn(text: string): string {
  return text.replace(/https?:\/\/[^\s]+/gi, (url) => redactUrl(url));
}

function safeDecode(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, " "));
  } catch {
    return name;
  }
}
