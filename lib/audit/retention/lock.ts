/** Held by a retention run (exclusive, try) and by placing a legal hold (shared, wait). */
export const RETENTION_LOCK = 0x56_49_47_52_45_54; // "VIGRET"
