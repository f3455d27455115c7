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

/** zod issues as path/message pairs a person can act on; unknown keys are named one by one. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): FieldProblem[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: formatPath([...prefix, ...issue.path, key]), message: "unknown field" }));
    }
    return [{ path: formatPath([...prefix, ...issue.path]) || "(body)", message: issue.message }];
  });
}
