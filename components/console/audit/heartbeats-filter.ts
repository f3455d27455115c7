/**
 * Each instance's job runner records a `heartbeat` every AUTOHEAL_HEARTBEAT_SECONDS (30 s):
 * proof of life that stays in the tamper-evident log, but would bury everything else on
 * screen. The console leaves them out unless the reader asks (`heartbeats=show` in the
 * page's URL) or the query names them; the API's default is unchanged (all events).
 * Plain module (no "use client"): server pages call it too.
 */
export const showsHeartbeats = (shown: string | undefined, q: string | undefined) => shown === "show" || /heartbeat/i.test(q ?? "");
