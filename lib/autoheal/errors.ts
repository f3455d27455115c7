import { ValidationError, type FieldProblem } from "@/lib/errors";

/**
 * An Alertmanager webhook body Vigil does not accept. A ValidationError, so the intake
 * answers 400 with each problem named by its path ("alerts[0].labels.alertname: required").
 */
export class AlertPayloadError extends ValidationError {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join("; "), problems);
    this.name = "AlertPayloadError";
  }
}

/** A duration such as "1h30m" that does not parse; reused by the ack endpoint's input. */
export class DurationError extends ValidationError {
  constructor(readonly input: string) {
    super(`"${input.slice(0, 40)}" is not a duration; use e.g. 30s, 5m, 1h30m, 2d`);
    this.name = "DurationError";
  }
}

/**
 * A rules file Vigil refuses to run. Every problem names the rule and the field, so one
 * start-up shows the operator all of them at once.
 */
export class RulesError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
    /** Where each problem is in the decoded document (["rules", 2, "action", "url"]), parallel to `problems`; [] when unknown. */
    readonly paths: (string | number)[][] = [],
  ) {
    super(`autoheal rules in ${source} refused:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "RulesError";
  }
}

/** A `{{ ... }}` template in a rule that cannot be rendered safely. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateError";
  }
}

/**
 * Alertmanager answered with an error (status set) or could not be reached (status null).
 * `detail` is Alertmanager's own message, e.g. "silence invalid: at least one matcher required".
 */
export class AlertmanagerError extends Error {
  constructor(
    readonly status: number | null,
    readonly detail: string,
  ) {
    super(status === null ? `Alertmanager unreachable: ${detail}` : `Alertmanager answered ${status}: ${detail}`);
    this.name = "AlertmanagerError";
  }
}

/** A label matcher string ("instance=~web-.*") that does not parse or whose regex is refused. */
export class MatcherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MatcherError";
  }
}
