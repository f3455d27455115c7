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
  const compiled: Compiled[] = templates.map((template) => ({
    template,
    segments: split(template).map((s) => (/^\{([a-z_][a-z0-9_]*)\}$/.exec(s)?.[1] !== undefined ? { param: s.slice(1, -1) } : { literal: s })),
  }));
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
