import type { ActionPlan, ActionResult, ExecuteContext } from "./types";

export type DeliveryOutcome = ActionResult & { body: string | null };

const MAX_BACKOFF_MS = 30_000;
const MAX_BODY_CHARS = 64 * 1024;
const SNIPPET_CHARS = 200;

/**
 * Sends a plan's request, retrying what may succeed later: no answer, a timeout, 408, 429
 * and 5xx. Other statuses are final. Retries repeat a request that may already have acted
 * (a timeout says nothing about the far side), so targets should be idempotent.
 *
 * Redirects are not followed: the recorded plan must be the request that was actually
 * made, and a secret header must not travel to wherever a 3xx points.
 */
export async function deliver(plan: ActionPlan, ctx: ExecuteContext): Promise<DeliveryOutcome> {
  const { request, delivery } = plan;
  const doFetch = ctx.fetch ?? fetch;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let last: { status: number | null; error: string; body: string | null } = { status: null, error: "not attempted", body: null };

  for (let attempt = 1; attempt <= delivery.retries + 1; attempt++) {
    if (ctx.signal.aborted) return { ok: false, status: last.status, durationMs: elapsed(), attempts: attempt - 1, error: "aborted", body: null };
    const attemptSignal = attemptAbort(ctx.signal, delivery.timeoutMs);
    const timeout = attemptSignal.timedOut;
    let retryAfterMs = 0;
    let retryable: boolean;
    try {
      const response = await doFetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        signal: attemptSignal.signal,
      });
      const body = await readCapped(response);
      if (isSuccess(response.status, delivery.successStatus)) {
        return { ok: true, status: response.status, durationMs: elapsed(), attempts: attempt, body };
      }
      last = { status: response.status, error: describeStatus(response.status, body), body };
      retryable = response.status >= 500 || response.status === 408 || response.status === 429;
      retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    } catch (error) {
      if (ctx.signal.aborted) return { ok: false, status: null, durationMs: elapsed(), attempts: attempt, error: "aborted", body: null };
      last = {
        status: null,
        error: timeout() ? `no answer within ${delivery.timeoutMs} ms` : networkError(error),
        body: null,
      };
      retryable = true;
    } finally {
      // The body is read inside the attempt too: the timer and the listener end only now.
      attemptSignal.done();
    }
    if (!retryable || attempt > delivery.retries) {
      return { ok: false, status: last.status, durationMs: elapsed(), attempts: attempt, error: last.error, body: last.body };
    }
    const waited = await sleep(backoff(attempt, delivery.backoffMs, retryAfterMs, ctx.random ?? Math.random), ctx.signal);
    if (!waited) return { ok: false, status: last.status, durationMs: elapsed(), attempts: attempt, error: "aborted", body: null };
  }
  return { ok: false, status: last.status, durationMs: elapsed(), attempts: delivery.retries + 1, error: last.error, body: last.body };
}

export function isSuccess(status: number, successStatus: readonly number[] | null): boolean {
  return successStatus === null ? status >= 200 && status < 300 : successStatus.includes(status);
}

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so retries
 * from many runners spread out but never collapse to zero. A server's Retry-After is a floor.
 */
export function backoff(attempt: number, baseMs: number, retryAfterMs: number, random: () => number): number {
  const step = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  const jittered = step / 2 + (step / 2) * random();
  return Math.round(Math.min(MAX_BACKOFF_MS, Math.max(jittered, retryAfterMs)));
}

function parseRetryAfter(value: string | null): number {
  if (value === null) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? 0 : Math.max(0, at - Date.now());
}

async function readCapped(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += value;
    if (text.length >= MAX_BODY_CHARS) {
      await reader.cancel();
      return text.slice(0, MAX_BODY_CHARS);
    }
  }
}

function describeStatus(status: number, body: string | null): string {
  const snippet = body?.trim().replace(/\s+/g, " ").slice(0, SNIPPET_CHARS);
  return snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}`;
}

function networkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : null;
  const code = cause && "code" in cause && typeof cause.code === "string" ? `${cause.code} ` : "";
  return `request failed: ${code}${cause?.message ?? (error instanceof Error ? error.message : String(error))}`.trim();
}

/**
 * One attempt's signal: aborted when the runner's is or after `ms`. Not AbortSignal.any on
 * the runner's long-lived signal: on Node 20 every such call leaves ~40 bytes behind it for
 * the life of the source signal (nodejs/node#55351); here the listener is removed once the
 * attempt is done.
 */
function attemptAbort(outer: AbortSignal, ms: number): { signal: AbortSignal; timedOut: () => boolean; done: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError"));
  }, ms);
  const onAbort = () => controller.abort(outer.reason);
  if (outer.aborted) onAbort();
  else outer.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    done: () => {
      clearTimeout(timer);
      outer.removeEventListener("abort", onAbort);
    },
  };
}

/** Resolves true after ms, or false as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
