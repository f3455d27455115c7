import { redactUrl } from "./redact";
import { z } from "zod";
import { compileForSchema, renderTemplate, Template, templateVars } from "../template";
import { mustBe } from "../issue-path";
import { deliver } from "./http-delivery";
import { deliveryFields, toDelivery } from "./delivery-fields";
import type { ActionKind } from "./types";

/**
 * kind: webhook — one HTTP request per action.
 *
 *   url:            http(s) URL; {{ }} allowed in path and query only (values percent-encoded),
 *                   so an alert can never choose the host a request goes to
 *   method:         POST (default), PUT, PATCH, DELETE or GET
 *   headers:        name -> template; control characters in substituted values are dropped
 *   body:           a string  -> that text, templated as is (Content-Type text/plain unless set)
 *                   a mapping -> JSON; each string inside is templated and JSON-encoded by
 *                                the serializer, so a label cannot break out of its string
 *                   absent    -> the alert as JSON (rule, alertname, status, fingerprint, labels...)
 *   timeout_ms, retries, backoff_ms, success_status (default: any 2xx)
 */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Set by fetch itself; a rule setting them would corrupt the request.
const RESERVED_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection"]);

type JsonTemplate = Template | JsonTemplate[] | { [key: string]: JsonTemplate } | number | boolean | null;

const template = (what: string) =>
  z.string({ error: mustBe(`a string (${what})`) }).transform((source, ctx) => compileForSchema(source, ctx) ?? z.NEVER);

// A body is text (one template) or JSON whose strings are templates. Walked by hand rather
// than with z.union, so a bad template deep inside is reported at its own path.
const body = z.unknown().transform((value, ctx): Template | JsonTemplate => {
  if (typeof value === "string") return compileOrReport(value, [], ctx);
  if (typeof value !== "object" || value === null) {
    ctx.addIssue({ code: "custom", message: "must be text, or a mapping or list sent as JSON" });
    return z.NEVER;
  }
  return compileJson(value, [], ctx);
});

function compileJson(value: unknown, path: (string | number)[], ctx: z.RefinementCtx): JsonTemplate {
  if (typeof value === "string") return compileOrReport(value, path, ctx);
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map((v, i) => compileJson(v, [...path, i], ctx));
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compileJson(v, [...path, k], ctx)]));
  }
  ctx.addIssue({ code: "custom", message: "is not a JSON value", path });
  return null;
}

function compileOrReport(source: string, path: (string | number)[], ctx: z.RefinementCtx): Template {
  return compileForSchema(source, ctx, path) ?? new Template(source, []);
}

const headers = z
  .record(z.string(), template("header value"), { error: mustBe("a mapping of header names to values") })
  .superRefine((map, ctx) => {
    for (const name of Object.keys(map)) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: "custom", message: "is not a valid header name", path: [name] });
      else if (RESERVED_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: "custom", message: "is set by Vigil itself", path: [name] });
    }
  });

const urlTemplate = template("URL").superRefine((t, ctx) => {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(t.source)?.[0] ?? t.source;
  if (origin.includes("{{")) {
    ctx.addIssue({ code: "custom", message: "the scheme, host and port cannot be templated; use {{ }} in the path or query" });
    return;
  }
  let url: URL;
  try {
    url = new URL(t.source.replaceAll(/\{\{[^{}]*\}\}/g, "x"));
  } catch {
    ctx.addIssue({ code: "custom", message: "must be an http(s) URL" });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") ctx.addIssue({ code: "custom", message: "must be an http(s) URL" });
  else if (url.username || url.password) {
    ctx.addIssue({ code: "custom", message: "must not carry credentials; send them in a header (recorded redacted)" });
  }
});

const config = z
  .strictObject({
    url: urlTemplate,
    method: z.enum(["POST", "PUT", "PATCH", "DELETE", "GET"], { error: mustBe("one of POST, PUT, PATCH, DELETE, GET") }).default("POST"),
    headers: headers.default({}),
    body: body.optional(),
    success_status: z.array(z.number().int().min(100).max(599)).min(1).optional(),
    ...deliveryFields,
  })
  .refine((c) => c.method !== "GET" || c.body === undefined, { message: "a GET request carries no body", path: ["body"] });

type WebhookConfig = z.output<typeof config>;

export const webhookAction: ActionKind<WebhookConfig> = {
  kind: "webhook",
  config,
  target: (c) => `${c.method} ${redactUrl(c.url.source)}`,
  plan(c, { alert, rule }) {
    const vars = templateVars(alert, rule);
    const url = renderTemplate(c.url, vars, urlValue);
    const headers: Record<string, string> = { "User-Agent": "vigil-autoheal" };
    for (const [name, value] of Object.entries(c.headers)) headers[name] = renderTemplate(value, vars, headerValue);

    let body: string | null = null;
    let contentType = "application/json";
    if (c.method !== "GET") {
      if (c.body === undefined) {
        body = JSON.stringify({ rule, ...pick(vars), labels: alert.labels, annotations: alert.annotations });
      } else if (isTemplate(c.body)) {
        body = renderTemplate(c.body, vars);
        contentType = "text/plain; charset=utf-8";
      } else {
        body = JSON.stringify(renderJson(c.body, vars));
      }
    }
    if (body !== null && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = contentType;

    return {
      kind: "webhook",
      rule,
      summary: `${c.method} ${url}`,
      request: { method: c.method, url, headers, body },
      delivery: toDelivery(c, c.success_status ?? null),
    };
  },
  async execute(plan, ctx) {
    const outcome = await deliver(plan, ctx);
    return { ok: outcome.ok, status: outcome.status, durationMs: outcome.durationMs, attempts: outcome.attempts, ...(outcome.error ? { error: outcome.error } : {}) };
  },
};

function pick(vars: ReturnType<typeof templateVars>) {
  const { alertname, status, fingerprint, startsAt, generatorURL } = vars;
  return { alertname, status, fingerprint, startsAt, generatorURL };
}

function isTemplate(value: unknown): value is Template {
  return value instanceof Template;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function renderJson(value: JsonTemplate, vars: ReturnType<typeof templateVars>): Json {
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map((v) => renderJson(v, vars));
  if (isTemplate(value)) return renderTemplate(value, vars);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderJson(v, vars)]));
}

// Header values cannot hold CR, LF or other controls; an alert label must not smuggle them in.
const CONTROL = /[\u0000-\u001f\u007f]/g;
function stripControl(value: string): string {
  return value.replace(CONTROL, "");
}

/**
 * A value in the URL's path or query, percent-encoded. "." and ".." are refused: URL parsing
 * resolves them even encoded (%2E%2E), so a label value of ".." would walk the request up to
 * another path on the target. The job fails, saying why, rather than send it elsewhere.
 */
function urlValue(value: string): string {
  if (value === "." || value === "..") throw new Error(`a label or annotation value of "${value}" cannot be placed in the URL`);
  return encodeURIComponent(value);
}

/**
 * A value in a header: control characters dropped, and characters outside Latin-1 (which
 * fetch cannot send in a header) percent-encoded, so the request recorded is the one sent.
 */
function headerValue(value: string): string {
  return stripControl(value).replace(/[^\u0000-\u00ff]+/gu, (run) => encodeURIComponent(run));
}
