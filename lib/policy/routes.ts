/**
 * Route templates (`/tenants/{tenant}/invoices/{id}`) matched against a request path: the
 * first template that matches names the route and gives its parameters. Matching is by
 * segment, literal segments compared exactly (after percent-decoding), so `{id}` never spans
 * a `/`.
 */
export type RouteMatch = { template: string; params: Record<string, string> };
export type RouteMatcher = (path: string) => RouteMatch | null;

type Compiled = { template: string; segments: ({ literal: string } | { param: string })[] };

export function routeMatcher(templates: readonly string[]): RouteMatcher {
  const compiled: Compiled[] = templates
    .map((template) => ({
      template,
      segments: split(template).map((s) => (/^\{([a-z_][a-z0-9_]*)\}$/.exec(s)?.[1] !== undefined ? { param: s.slice(1, -1) } : { literal: s })),
    }))
    // The most specific first, whatever the order written: `/files/admin` before
    // `/files/{name}`, so a literal route is never shadowed by a parameter (and policies
    // written for it are not escaped by matching the looser one).
    .sort(bySpecificity);
  return (path) => {
    const parts = split(path.split("?")[0] ?? "").map(decode);
    if (parts.some((p) => p === null)) return null;
    for (const c of compiled) {
      if (c.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = c.segments.every((s, i) => {
        const part = parts[i] as string;
        if ("literal" in s) return s.literal === part;
        params[s.param] = part;
        return part.length > 0;
      });
      if (ok) return { template: c.template, params };
    }
    return null;
  };
}

function bySpecificity(a: Compiled, b: Compiled): number {
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const la = "literal" in (a.segments[i] as object);
    const lb = "literal" in (b.segments[i] as object);
    if (la !== lb) return la ? -1 : 1;
  }
  return 0;
}

function split(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? [] : trimmed.split("/");
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
