import { ValidationError } from "@/lib/errors";

/**
 * A query the language does not accept. A ValidationError, so the API answers 400 with the
 * message under field "q"; `position` is 1-based, counted in UTF-16 code units (JS string
 * indexes), which is what an input box's selectionStart uses too.
 */
export class QuerySyntaxError extends ValidationError {
  readonly position: number;
  readonly detail: string;

  constructor(offset: number, detail: string) {
    const message = `position ${offset + 1}: ${detail}`;
    super(message, [{ path: "q", message }]);
    this.name = "QuerySyntaxError";
    this.position = offset + 1;
    this.detail = detail;
  }
}
