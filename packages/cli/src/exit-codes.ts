import { OAuthError, UnreachableError, VigilError } from "@vigil/client";

/**
 * The CLI's exit codes (documented in packages/cli/README.md). Scripts branch on these, so
 * a code never changes meaning.
 */
export const EXIT = {
  OK: 0,
  /** The operation failed: Vigil refused it (400, 409, ...), or a check found a problem (doctor, verify, rules check). */
  FAILURE: 1,
  /** Bad command line: unknown command or option, missing argument. */
  USAGE: 2,
  /** Not logged in, the token expired and cannot be refreshed, or Vigil refused the credentials (401). */
  AUTH: 3,
  /** What was named does not exist (404). */
  NOT_FOUND: 4,
  /** Logged in, but the token lacks the scope (403). */
  FORBIDDEN: 5,
  /** Vigil could not be reached, or answered 5xx. */
  UNAVAILABLE: 6,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI raises itself, with the exit code it ends with. */
export class CliError extends Error {
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The exit code for an error from the client. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.code;
  if (error instanceof UnreachableError) return EXIT.UNAVAILABLE;
  if (error instanceof OAuthError) {
    if (error.error === "invalid_client" || error.status === 401) return EXIT.AUTH;
    return (error.status ?? 500) >= 500 ? EXIT.UNAVAILABLE : EXIT.FAILURE;
  }
  if (error instanceof VigilError && error.status !== null) {
    if (error.status === 401) return EXIT.AUTH;
    if (error.status === 403) return EXIT.FORBIDDEN;
    if (error.status === 404) return EXIT.NOT_FOUND;
    if (error.status >= 500) return EXIT.UNAVAILABLE;
  }
  return EXIT.FAILURE;
}
