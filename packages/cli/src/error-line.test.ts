import { OAuthError, ProblemError, UnreachableError } from "@vigil/client";
import { describe, expect, it } from "vitest";
import { errorLine } from "./error-line";

describe("errorLine", () => {
  it("says a problem's title and detail on one line, adding only field errors the detail lacks", () => {
    expect(errorLine(new ProblemError(400, "Invalid request", "position 6: expected a value", [{ path: "q", message: "position 6: expected a value" }]))).toBe(
      "Invalid request: position 6: expected a value [400]",
    );
    expect(errorLine(new ProblemError(400, "Invalid request", "2 problems", [{ path: "email", message: "must be an email address" }]))).toBe(
      "Invalid request: 2 problems; email: must be an email address [400]",
    );
  });

  it("says OAuth errors and unreachable servers plainly", () => {
    expect(errorLine(new OAuthError(401, "invalid_client", "Client authentication failed."))).toBe("invalid_client: Client authentication failed. [401]");
    expect(errorLine(new UnreachableError("http://127.0.0.1:1", "ECONNREFUSED"))).toBe("cannot reach Vigil at http://127.0.0.1:1 (ECONNREFUSED)");
  });
});
