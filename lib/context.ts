import type { Actor } from "@/lib/access/actor";
import type { AuthenticatedClient } from "@/lib/access/client";
import type { Db } from "@/lib/db/types";

/**
 * Where a piece of work came from: every audit event it causes carries these, stamped by the
 * commit helper (lib/audit/commit.ts), never copied by hand. Background work has no request:
 * `noRequest`, or the request that queued it (a job carries its webhook's request id).
 */
export type RequestFacts = { requestId: string | null; ip: string | null; userAgent: string | null };

export const noRequest: RequestFacts = { requestId: null, ip: null, userAgent: null };

/**
 * What a DPoP proof (RFC 9449) is checked against: the request's DPoP header as received
 * (repeats joined), and the method and URL the client addressed — Vigil's public URL for its
 * own endpoints, the original request's for the gateway.
 */
export type PopRequest = { proof: string | null; method: string; url: string };

/** Reading a request's headers by name: a Web `Headers`, or the fast lane's lighter view. */
export type HeaderReader = { get(name: string): string | null; has(name: string): boolean };

/**
 * What the route table's handlers read of a request. A Web `Request` (Next's route handlers,
 * serverless) is one; so is the fast lane's `NodeRequest`, which answers from node:http's
 * parsed message without building a `Request` and its `Headers` (about an eighth of a
 * validator call's CPU went to that alone).
 */
export type IncomingRequest = {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderReader;
  /** Aborted when the caller goes away. */
  readonly signal: AbortSignal;
  /** The body as a stream, or null when the server has already read it (see lib/http/body.ts). */
  readonly body: ReadableStream<Uint8Array> | null;
};

/**
 * When a caller's authority ends on its own, and whether it has been withdrawn since: for
 * work that outlives its request. The live stream ends at `expiresAt`, checks `withdrawn`
 * before every event, and re-checks whenever `watch` says something changed.
 */
export type Lapse = {
  /** When the token or session expires, in ms since the epoch. */
  expiresAt: number;
  /** Why the caller may no longer act (token revoked, agent suspended, signed out), or null. Memory only. */
  withdrawn: () => string | null;
  /** Calls back when a revocation or status change arrives from any instance; returns the unsubscribe. */
  watch?: (onChange: () => void) => () => void;
};

/**
 * What every verb receives besides its input: who acts, where from, on which database. The
 * database is the pool: verbs open their own transaction through `commit`.
 */
export type VerbCtx = RequestFacts & {
  actor: Actor;
  db: Db;
  /** Aborted when the caller goes away (long responses such as the live stream stop then). */
  signal?: AbortSignal;
  /** The request's DPoP facts, for verbs that bind what they issue to a key (the token endpoint). */
  pop?: PopRequest;
  /** How long the caller's authority lasts (API callers: bearer token or console session). */
  lapse?: Lapse;
  /** At the gateway: the token's audiences (which policy set applies), its key binding, and the request's headers. */
  gateway?: { aud: readonly string[]; bound: boolean; headers: HeaderReader };
};

/** An OAuth client route (token, introspect, revoke): the client, authenticated once by the wrapper. */
export type ClientCtx = VerbCtx & { client: AuthenticatedClient };

/**
 * Work no person or agent asked for by name: Alertmanager's intake, the job runner,
 * retention, start-up, the gateway recording a refusal. `by` is who the log says acted
 * ("system:autoheal", "system:alertmanager", "gateway", "client:<id>" for a failed login).
 */
export type MachineCtx = RequestFacts & { by: string; db: Db };

/** Anything that may commit a change: the log names its actor or its machine. */
export type CommitCtx = VerbCtx | MachineCtx;

export function actorLabel(ctx: CommitCtx): string {
  return "actor" in ctx ? ctx.actor.label : ctx.by;
}
