export * from "./agents";
export * from "./credentials";
export * from "./signing-keys";
export * from "./audit-events";
export * from "./token-monthly-counts";
export * from "./revocations";
export * from "./audit-checkpoints";
export * from "./audit-retention";
