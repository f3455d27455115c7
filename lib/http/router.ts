import type { Method, Route } from "./types";

type Compiled = { route: Route; pattern: RegExp; names: string[] };

export type Match =
  | { kind: "route"; route: Route; params: Record<string, string> }
  | { kind: "method_not_allowed"; allowed: Method[] }
  | { kind: "none" };

/** Compiles "/api/v1/agents/:id" style paths; a parameter matches one non-empty segment. */
export function createRouter(routes: Route[]) {
  const compiled: Compiled[] = routes.map((route) => {
    const names: string[] = [];
    const source = route.path
      .split("/")
      .map((seg) => {
        if (!seg.startsWith(":")) return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(seg.slice(1));
        return "([^/]+)";
      })
      .join("/");
    return { route, pattern: new RegExp(`^${source}/?$`), names };
  });

  return function match(method: string, pathname: string): Match {
    const allowed: Method[] = [];
    for (const c of compiled) {
      const m = c.pattern.exec(pathname);
      if (!m) continue;
      if (c.route.method === method || (method === "HEAD" && c.route.method === "GET")) {
        const params: Record<string, string> = {};
        c.names.forEach((name, i) => {
          const raw = m[i + 1] ?? "";
          try {
            params[name] = decodeURIComponent(raw);
          } catch {
            params[name] = raw;
          }
        });
        return { kind: "route", route: c.route, params };
      }
      allowed.push(c.route.method);
    }
    return allowed.length > 0 ? { kind: "method_not_allowed", allowed } : { kind: "none" };
  };
}
