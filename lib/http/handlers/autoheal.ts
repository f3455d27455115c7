import { acknowledge } from "@/lib/autoheal/ack";
import { autohealStatus, listActions, listRules, toggleAutoheal } from "@/lib/autoheal/admin";
import { parseAlertmanagerPayload } from "@/lib/autoheal/alertmanager-payload";
import { intakeAlerts } from "@/lib/autoheal/intake";
import { authenticateAlertmanager } from "@/lib/autoheal/intake-auth";
import { currentRules } from "@/lib/autoheal/rules-store";
import { getConfig } from "@/lib/config";
import { ForbiddenError } from "@/lib/errors";
import { readForm, readJson } from "../body";
import { json } from "../problem";
import type { Handler } from "../types";
import { bodyLimit } from "../wrap";
import { queryObject } from "./input";

export const alertBodyLimit = () => getConfig().autoheal.maxBodyBytes;

// POST /api/alert – Alertmanager webhook (version 4): alerts and their jobs stored before the 200
export const alert: Handler = async (req, ctx) => {
  authenticateAlertmanager(req.headers.get("authorization"));
  const payload = parseAlertmanagerPayload(await readJson(req, alertBodyLimit()));
  const result = await intakeAlerts(ctx.db, payload, { requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent }, currentRules());
  return json(result);
};

// GET /api/autoheal/status – switches, last heartbeat, active cooldowns (public)
export const status: Handler = async (_req, ctx) => json(await autohealStatus(ctx.db));

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
  const site = req.headers.get("sec-fetch-site");
  if (!req.headers.get("authorization") && site && site !== "same-origin" && site !== "none") {
    throw new ForbiddenError("Acknowledging from another site's link is refused; open the link from the console or use POST /api/ack.");
  }
  return json(await acknowledge(ctx.verb(), queryObject(ctx.url)), 201);
};

// POST /api/ack – the same as a form (application/x-www-form-urlencoded) or JSON
export const ackPost: Handler = async (req, ctx) => {
  const type = req.headers.get("content-type") ?? "";
  const input = type.includes("json") ? await readJson(req, bodyLimit()) : Object.fromEntries(await readForm(req, bodyLimit()));
  return json(await acknowledge(ctx.verb(), input), 201);
};
