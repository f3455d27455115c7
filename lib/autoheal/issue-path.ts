import type { z } from "zod";
import type { FieldProblem } from "@/lib/errors";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** ["alerts", 0, "labels", "app.kubernetes.io/name"] -> alerts[0].labels["app.kubernetes.io/name"] */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else if (typeof step === "string" && IDENTIFIER.test(step)) out += out ? `.${step}` : step;
    else out += `[${JSON.stringify(String(step))}]`;
  }
  return out;
}

/**
 * The inverse of formatPath: alerts[0].labels["a.b"] -> ["alerts", 0, "labels", "a.b"].
 * Placeholders such as "(body)" name no field: [].
 */
export function parsePath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  const step = /^(?:\.?([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;
  let rest = text;
  while (rest) {
    const m = step.exec(rest);
    if (!m) return text.startsWith("(") ? [] : out;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3] ?? '""') as string);
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** zod issues as path/message pairs a person can act on; unknown keys are named one by one. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): FieldProblem[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: formatPath([...prefix, ...issue.path, key]), message: "unknown field" }));
    }
    return [{ path: formatPath([...prefix, ...issue.path]) || "(body)", message: issue.message }];
  });
}

/**
 * A zod `error` option for a field's type: "required" when absent, "must be <what>" when of
 * the wrong type or value, and zod's (or the check's own) message for anything else — zod 4
 * would otherwise put this one message on every failed check of the field.
 */
export function mustBe(what: string) {
  return (issue: { code?: string; input?: unknown }): string | undefined => {
    if (issue.code !== "invalid_type" && issue.code !== "invalid_value") return undefined;
    return issue.input === undefined ? "required" : `must be ${what}`;
  };
}
