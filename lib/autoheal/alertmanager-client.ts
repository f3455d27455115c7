import { z } from "zod";
import type { PlannedRequest } from "./actions/types";
import { AlertmanagerError } from "./errors";
import { formatMatcher, parseMatcher, type Labels } from "./matcher";

/**
 * Alertmanager's API v2, the part Vigil uses: silences. The autoheal silence action and the
 * operators' ack endpoint both create silences through silenceRequest, so a dry run records
 * byte for byte what createSilence would send.
 */
export const SILENCE_CREATED_BY = "vigil-autoheal";

export type SilenceMatcher = { name: string; value: string; isRegex: boolean; isEqual: boolean };

export type NewSilence = {
  matchers: SilenceMatcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy?: string;
  comment: string;
};

export type Silence = {
  id: string;
  state: "active" | "pending" | "expired";
  matchers: SilenceMatcher[];
  startsAt: Date;
  endsAt: Date;
  updatedAt: Date;
  createdBy: string;
  comment: string;
};

export type AlertmanagerClient = {
  /** Returns the new silence's id. */
  createSilence(silence: NewSilence, opts?: { signal?: AbortSignal }): Promise<string>;
  getSilence(id: string, opts?: { signal?: AbortSignal }): Promise<Silence>;
  /** `filter` holds matcher strings (alertname="X"); Alertmanager keeps silences having all. */
  listSilences(filter?: readonly string[], opts?: { signal?: AbortSignal }): Promise<Silence[]>;
  /** Ends a silence now (Alertmanager's DELETE keeps it, expired). */
  expireSilence(id: string, opts?: { signal?: AbortSignal }): Promise<void>;
};

/**
 * Equality matchers for an alert's labels: all of them (silences exactly this alert), or the
 * named ones the alert carries. Sorted by name, so the same alert always gives the same list.
 */
export function labelsToMatchers(labels: Labels, names?: readonly string[]): SilenceMatcher[] {
  const wanted = names ?? Object.keys(labels);
  return [...new Set(wanted)]
    .filter((name) => Object.hasOwn(labels, name))
    .sort()
    .map((name) => ({ name, value: labels[name] ?? "", isRegex: false, isEqual: true }));
}

/** The POST /api/v2/silences request for `silence`, credentials from the URL moved to a header. */
export function silenceRequest(alertmanagerUrl: string, silence: NewSilence): PlannedRequest {
  const { base, headers } = endpoint(alertmanagerUrl);
  return {
    method: "POST",
    url: `${base}/api/v2/silences`,
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({
      matchers: silence.matchers,
      startsAt: silence.startsAt.toISOString(),
      endsAt: silence.endsAt.toISOString(),
      createdBy: silence.createdBy ?? SILENCE_CREATED_BY,
      comment: silence.comment,
    }),
  };
}

/** The id from POST /api/v2/silences' answer, {"silenceID":"..."}. */
export function parseSilenceId(body: string | null): string {
  const parsed = z.object({ silenceID: z.string().min(1) }).safeParse(parseJson(body));
  if (!parsed.success) throw new AlertmanagerError(200, `unexpected answer to a new silence: ${(body ?? "").slice(0, 200)}`);
  return parsed.data.silenceID;
}

export function createAlertmanagerClient(opts: {
  url: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): AlertmanagerClient {
  const doFetch = opts.fetch ?? fetch;
  const { base, headers } = endpoint(opts.url);
  const timeoutMs = opts.timeoutMs ?? 10_000;

  async function call(request: PlannedRequest, signal: AbortSignal | undefined): Promise<string> {
    const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
    let response: Response;
    let text: string;
    try {
      response = await doFetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        signal: AbortSignal.any(signals),
      });
      text = await response.text();
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new AlertmanagerError(null, `${request.method} ${request.url}: ${cause}`);
    }
    if (!response.ok) throw new AlertmanagerError(response.status, errorDetail(text));
    return text;
  }

  const get = (path: string): PlannedRequest => ({ method: "GET", url: `${base}${path}`, headers, body: null });

  return {
    async createSilence(silence, o) {
      return parseSilenceId(await call(silenceRequest(opts.url, silence), o?.signal));
    },
    async getSilence(id, o) {
      return toSilence(parseJson(await call(get(`/api/v2/silence/${encodeURIComponent(id)}`), o?.signal)));
    },
    async listSilences(filter = [], o) {
      const query = filter.map((m) => `filter=${encodeURIComponent(formatMatcher(parseMatcher(m)))}`).join("&");
      const raw = parseJson(await call(get(`/api/v2/silences${query ? `?${query}` : ""}`), o?.signal));
      if (!Array.isArray(raw)) throw new AlertmanagerError(200, "silences: expected a list");
      return raw.map(toSilence);
    },
    async expireSilence(id, o) {
      await call({ ...get(`/api/v2/silence/${encodeURIComponent(id)}`), method: "DELETE" }, o?.signal);
    },
  };
}

const silenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(["active", "pending", "expired"]) }),
  matchers: z.array(
    z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().default(true) }),
  ),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  createdBy: z.string(),
  comment: z.string(),
});

function toSilence(raw: unknown): Silence {
  const parsed = silenceSchema.safeParse(raw);
  if (!parsed.success) throw new AlertmanagerError(200, `unexpected silence: ${parsed.error.issues[0]?.message ?? "bad shape"}`);
  const s = parsed.data;
  return {
    id: s.id,
    state: s.status.state,
    matchers: s.matchers,
    startsAt: new Date(s.startsAt),
    endsAt: new Date(s.endsAt),
    updatedAt: new Date(s.updatedAt),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}

// fetch refuses URLs with user:password; Alertmanager behind basic auth is commonly
// configured as http://user:pass@host, so the credentials become a header instead.
function endpoint(raw: string): { base: string; headers: Record<string, string> } {
  const url = new URL(raw);
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.Authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  return { base: url.toString().replace(/\/+$/, ""), headers };
}

// Alertmanager answers errors as a JSON string ("silence invalid: ..."), a JSON object with
// a message, or plain text, depending on the layer that refused.
function errorDetail(text: string): string {
  const parsed = parseJson(text);
  if (typeof parsed === "string") return parsed;
  if (parsed && typeof parsed === "object" && "message" in parsed && typeof parsed.message === "string") return parsed.message;
  return text.trim().slice(0, 500) || "(no detail)";
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
