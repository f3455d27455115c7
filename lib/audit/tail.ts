/**
 * The log's tail is appended in commit order.
 *
 * Every audit insert first takes one transaction-scoped advisory lock and keeps it until its
 * transaction commits, so ids are handed out in the order events become visible: when a
 * reader sees id N, every id below N is either visible too or gone for good (rolled back).
 * That single property is what lets the live stream resume with `id > Last-Event-ID`, and
 * checkpoints seal `(previous, max(id)]`, without ever skipping an event committed late.
 * The cost is that audit commits are serialised across instances; group commit (batch.ts)
 * keeps that to one commit per batch on the hot paths.
 */
export const AUDIT_TAIL_LOCK = 0x56_49_47_4c_41_55; // "VIGLAU": distinct from the migration lock

/** NOTIFY channel; the payload is the highest id just committed (ids, never rows). */
export const AUDIT_CHANNEL = "vigil_audit";
