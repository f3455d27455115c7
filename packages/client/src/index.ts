export { VigilClient } from "./client";
export { ProblemError, OAuthError, HttpError, UnreachableError, VigilError, errorFrom, type FieldProblem } from "./errors";
export { OPS, operations, fillPath, type Method, type Operation, type OperationName } from "./operations";
export { readSse, type SseEvent } from "./sse";
export type { TailItem, TailOptions } from "./tail";
export { Transport, type CallOptions, type ClientOptions, type TokenSource } from "./transport";
export type * from "./types";
