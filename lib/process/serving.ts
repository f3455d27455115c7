import { processSingleton } from "./singleton";

/**
 * Whether this process serves requests, for the proofs of life it sends (the autoheal
 * heartbeat): a process whose server is not listening must not look alive. Only a process
 * that owns its server (the fast lane, server.ts) says so; under `next start`/`next dev`
 * Next owns the socket and nothing is claimed either way.
 */
type Serving = { owned: boolean; listening: boolean; onListening: Set<() => void> };

const state = () => processSingleton("serving", (): Serving => ({ owned: false, listening: false, onListening: new Set() }));

/** server.ts, before anything starts: from now on, alive means listening. */
export function ownServer(): void {
  state().owned = true;
}

export function setListening(listening: boolean): void {
  const s = state();
  s.listening = listening;
  if (listening) for (const callback of [...s.onListening]) callback();
}

/** False only while a process that owns its server is not listening (before, or after a failed listen or close). */
export function isServing(): boolean {
  const s = state();
  return !s.owned || s.listening;
}

/** Called whenever the server starts listening (a heartbeat due then need not wait its interval). */
export function whenListening(callback: () => void): () => void {
  const s = state();
  s.onListening.add(callback);
  return () => s.onListening.delete(callback);
}
