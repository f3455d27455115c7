import { acknowledge } from "@/lib/autoheal/ack";
import { autohealStatus, autohealStatusForReader, listActions, listRules, toggleAutoheal } from "@/lib/autoheal/admin";
import { parseAlertmanagerPayload } from "@/lib/autoheal/alertmanager-payload";
import { intakeAlerts } from "@/lib/autoheal/intake";
import { authenticateAlertmanager, isAlertmanager } from "@/lib/autoheal/intake-auth";
import { currentRules } from "@/lib/autoheal/rules-store";
import { getConfig } from "@/lib/config";
import { startedOnOurSite } from "@/lib/gate/session/csrf";
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
  // token) it acts only when started on Vigil's own pages or typed. A link from elsewhere
  // (an alert notification in chat or mail) opens the console's ack form, filled in: one
  // more click, made on Vigil's own page with its CSRF token.
  if (!req.headers.get("authorization") && !startedOnOurSite(req)) {
    const form = new URL("/autoheal", getConfig().issuer);
    for (const name of ["labels", "duration", "comment"]) {
      const value = ctx.url.searchParams.get(name);
      if (value !== null) form.searchParams.set(name, value);
    }
    return new Response(null, { status: 303, headers: { Location: `${form.pathname}${form.search}#ack`, "Cache-Control": "no-store" } });
  }
  return json(await acknowledge(ctx.verb(), queryObject(ctx.url)), 201);
};

// POST /api/ack – the same as a form (application/x-www-form-urlencoded) or JSON
export const ackPost: Handler = async (req, ctx) => {
  const type = req.headers.get("content-type") ?? "";
  const input = type.includes("json") ? await readJson(req, bodyLimit()) : Object.fromEntries(await readForm(req, bodyLimit()));
  return json(await acknowledge(ctx.verb(), input), 201);
};
