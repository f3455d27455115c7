import { acknowledge } from "@/lib/autoheal/ack";
import { autohealStatus, autohealStatusForReader, listActions, listRules, toggleAutoheal } from "@/lib/autoheal/admin";
import { parseAlertmanagerPayload } from "@/lib/autoheal/alertmanager-payload";
import { intakeAlerts } from "@/lib/autoheal/intake";
import { authenticateAlertmanager, isAlertmanager } from "@/lib/autoheal/intake-auth";
import { currentRules } from "@/lib/autoheal/rules-store";
import { getConfig } from "@/lib/config";
import { readForm, readJson } from "../body";
import { json } from "../problem";
import type { Handler } from "../types";
import { bodyLimit } from "../wrap";
import { queryObject } from "./input";

/**
 * The large limit only for callers holding Alertmanager's credentials: the fast lane reads
 * the body before the handler runs, and must not buffer megabytes for anyone who asks.
 */
export const alertBodyLimit = (authorization: string | null) =>
  isAlertmanager(authorization) ? getConfig().autoheal.maxBodyBytes : getConfig().MAX_BODY_BYTES;

// POST /api/alert – Alertmanager webhook (version 4): alerts and their jobs stored before the 200
export const alert: Handler = async (req, ctx) => {
  authenticateAlertmanager(req.headers.get("authorization"));
  const payload = parseAlertmanagerPayload(await readJson(req, getConfig().autoheal.maxBodyBytes));
  const result = await intakeAlerts(ctx.db, payload, { requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent }, currentRules());
  return json(result);
};

// GET /api/autoheal/status – switches, last heartbeat, active cooldowns (public)
export const status: Handler = async (_req, ctx) => json(await autohealStatus(ctx.db));

// GET /api/v1/autoheal – the status with who changed the switches last (readers)
export const statusForReader: Handler = async (_req, ctx) => json(await autohealStatusForReader(ctx.verb()));

// PATCH /api/v1/autoheal – turn autoheal or its dry run on/off for every instance (admin)
export const toggle: Handler = async (req, ctx) => json(await toggleAutoheal(ctx.verb(), await readJson(req, bodyLimit())));

// GET /api/v1/autoheal/rules – the rules in force
export const rules: Handler = async (_req, ctx) => json(listRules(ctx.verb()));

// GET /api/v1/autoheal/actions – recent remediation jobs and their results (n, before)
export const actions: Handler = async (_req, ctx) => json(await listActions(ctx.verb(), queryObject(ctx.url)));

// GET /api/ack?labels={"alertname":"X"}&duration=1h&comment=... – silence in Alertmanager
export const ackGet: Handler = async (req, ctx) => {
  // A GET that changes state, reachable by a link: with the console's cookie (no bearer
  // token) it is refused when another site started the navigation, so a page elsewhere
  // cannot silence alerts in a signed-in operator's name. Links opened from the console,
  // typed, or from a mail client (Sec-Fetch-Site: none) work.
  // Browsers send Sec-Fetch-Site only to https origins; without it, Origin or Referer must
  // be our own (a plain-http deployment, an older browser).
  // Such a link (an alert notification in chat or mail) opens the console's ack form,
  // filled in: one more click, made on Vigil's own page with its CSRF token.
  if (!req.headers.get("authorization") && !startedHere(req)) {
    const form = new URL("/autoheal", getConfig().issuer);
    for (const name of ["labels", "duration", "comment"]) {
      const value = ctx.url.searchParams.get(name);
      if (value !== null) form.searchParams.set(name, value);
    }
    return new Response(null, { status: 303, headers: { Location: `${form.pathname}${form.search}#ack`, "Cache-Control": "no-store" } });
  }
  return json(await acknowledge(ctx.verb(), queryObject(ctx.url)), 201);
};

function startedHere(req: Request): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site) return site === "same-origin" || site === "none";
  const own = new URL(getConfig().issuer).origin;
  const from = req.headers.get("origin") ?? req.headers.get("referer");
  if (!from) return false;
  try {
    return new URL(from).origin === own;
  } catch {
    return false;
  }
}

// POST /api/ack – the same as a form (application/x-www-form-urlencoded) or JSON
export const ackPost: Handler = async (req, ctx) => {
  const type = req.headers.get("content-type") ?? "";
  const input = type.includes("json") ? await readJson(req, bodyLimit()) : Object.fromEntries(await readForm(req, bodyLimit()));
  return json(await acknowledge(ctx.verb(), input), 201);
};
