/**
 * What a policy needs of a request before its conditions can possibly hold, read from its
 * JSON form: the actions its scope names, the principal's type and id, and top-level
 * conjuncts of its `when` clauses that compare a principal attribute with a string
 * (`principal.name == "billing-bot"`). A policy whose guard fails for a request cannot be
 * satisfied by it, so it need not be asked at all: Cedar evaluates every policy of a set
 * in turn (about a microsecond each here), and sets of a thousand policies are mostly
 * policies about someone else.
 *
 * Only the decision is preserved, not every diagnostic: a policy left out because a guard is
 * false is one Cedar would also find false, unless an earlier conjunct errors first, in which
 * case Cedar would list it among the errors (errored policies never decide).
 */
export type Guard = { actions: string[] | null; principalType: string | null; principalId: string | null; attrEquals: [string, string][] };

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : null);

export function guardOf(policy: unknown): Guard {
  const p = obj(policy) ?? {};
  return { actions: actionsOf(obj(p.action)), ...principalOf(obj(p.principal)), attrEquals: Array.isArray(p.conditions) ? p.conditions.flatMap(attrEqualsOf) : [] };
}

function actionsOf(scope: Json | null): string[] | null {
  if (!scope || scope.op === "All") return null;
  const one = obj(scope.entity);
  if (scope.op === "==" && typeof one?.id === "string") return [one.id];
  // `action in [...]`: Vigil's schema has no action groups, so membership is equality.
  if (scope.op === "in" && Array.isArray(scope.entities)) {
    const ids = scope.entities.map((e) => obj(e)?.id);
    return ids.every((id): id is string => typeof id === "string") ? ids : null;
  }
  if (scope.op === "in" && typeof one?.id === "string") return [one.id];
  return null;
}

function principalOf(scope: Json | null): Pick<Guard, "principalType" | "principalId"> {
  if (scope?.op === "is" && typeof scope.entity_type === "string") return { principalType: scope.entity_type, principalId: null };
  const one = obj(scope?.entity);
  if (scope?.op === "==" && typeof one?.type === "string" && typeof one.id === "string") return { principalType: one.type, principalId: one.id };
  return { principalType: null, principalId: null };
}

function attrEqualsOf(condition: unknown): [string, string][] {
  const c = obj(condition);
  if (c?.kind !== "when") return [];
  const found: [string, string][] = [];
  const walk = (e: unknown) => {
    const node = obj(e);
    const and = obj(node?.["&&"]);
    if (and) {
      walk(and.left);
      walk(and.right);
      return;
    }
    const eq = obj(node?.["=="]);
    if (!eq) return;
    const pair = principalAttr(eq.left, eq.right) ?? principalAttr(eq.right, eq.left);
    if (pair) found.push(pair);
  };
  walk(c.body);
  return found;
}

function principalAttr(side: unknown, other: unknown): [string, string] | null {
  const dot = obj(obj(side)?.["."]);
  const value = obj(other)?.Value;
  if (obj(dot?.left)?.Var === "principal" && typeof dot?.attr === "string" && typeof value === "string") return [dot.attr, value];
  return null;
}

/** Whether a policy with this guard could hold for the request's action and principal. */
export function mayApply(g: Guard, action: string, principal: { type: string; id: string; attrs: Record<string, unknown> | undefined }): boolean {
  if (g.actions && !g.actions.includes(action)) return false;
  if (g.principalType !== null && g.principalType !== principal.type) return false;
  if (g.principalId !== null && g.principalId !== principal.id) return false;
  for (const [attr, value] of g.attrEquals) if (principal.attrs?.[attr] !== value) return false;
  return true;
}
