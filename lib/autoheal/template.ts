import type { Alert } from "./alertmanager-payload";
import type { z } from "zod";
import { TemplateError } from "./errors";

/**
 * The one template language in rules: `{{ name }}` substitutes a value, nothing else exists —
 * no expressions, no functions, no loops — so a rules file cannot run code and an alert's
 * labels cannot inject any (a value is inserted as text and never read as a template).
 *
 *   {{ alertname }} {{ status }} {{ fingerprint }} {{ startsAt }} {{ generatorURL }} {{ rule }}
 *   {{ labels.NAME }} {{ annotations.NAME }}    (NAME as the alert spells it, dots allowed)
 *
 * A missing label or annotation renders as "" (Alertmanager's reading of a missing label).
 * Unknown names are refused when the rules load, not when an alert arrives.
 */
export type TemplateVars = {
  alertname: string;
  status: string;
  fingerprint: string;
  startsAt: string;
  generatorURL: string;
  rule: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
};

const SCALARS = ["alertname", "status", "fingerprint", "startsAt", "generatorURL", "rule"] as const;
type Scalar = (typeof SCALARS)[number];

type Part = { text: string } | { scalar: Scalar } | { map: "labels" | "annotations"; key: string };

/** A class, so a compiled template is never mistaken for a JSON body that has the same keys. */
export class Template {
  constructor(
    readonly source: string,
    readonly parts: readonly Part[],
  ) {}
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

export function compileTemplate(source: string): Template {
  const parts: Part[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    pushText(parts, source.slice(last, match.index));
    parts.push(reference((match[1] ?? "").trim()));
    last = match.index + match[0].length;
  }
  pushText(parts, source.slice(last));
  return new Template(source, parts);
}

/** Renders with `encode` applied to each substituted value (never to the template's own text). */
export function renderTemplate(template: Template, vars: TemplateVars, encode: (value: string) => string = (v) => v): string {
  let out = "";
  for (const part of template.parts) {
    if ("text" in part) out += part.text;
    else if ("scalar" in part) out += encode(vars[part.scalar]);
    else out += encode(Object.hasOwn(vars[part.map], part.key) ? (vars[part.map][part.key] ?? "") : "");
  }
  return out;
}

export function templateVars(alert: Alert, rule: string): TemplateVars {
  return {
    alertname: alert.alertname,
    status: alert.status,
    fingerprint: alert.fingerprint,
    startsAt: alert.startsAt.toISOString(),
    generatorURL: alert.generatorURL,
    rule,
    labels: alert.labels,
    annotations: alert.annotations,
  };
}

function pushText(parts: Part[], text: string) {
  if (text === "") return;
  // A brace pair left over after the placeholders is a typo ("{{ labels.x }" or "{ x }}").
  if (text.includes("{{") || text.includes("}}")) {
    throw new TemplateError(`unbalanced "{{" or "}}" near "${text.slice(0, 40)}"`);
  }
  parts.push({ text });
}

function reference(name: string): Part {
  if ((SCALARS as readonly string[]).includes(name)) return { scalar: name as Scalar };
  const dot = name.indexOf(".");
  const map = name.slice(0, dot);
  const key = name.slice(dot + 1);
  if (dot > 0 && (map === "labels" || map === "annotations") && /^[^\s{}]+$/.test(key)) return { map, key };
  throw new TemplateError(
    `unknown template name "{{ ${name.slice(0, 60)} }}"; use ${SCALARS.join(", ")}, labels.NAME or annotations.NAME`,
  );
}

/**
 * Compiles a template inside a zod schema (rules are validated as a whole): a template error
 * becomes an issue at `path`, reported with every other problem, not a throw.
 */
export function compileForSchema(source: string, ctx: z.RefinementCtx, path: (string | number)[] = []): Template | null {
  try {
    return compileTemplate(source);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    ctx.addIssue({ code: "custom", message: error.message, path });
    return null;
  }
}
