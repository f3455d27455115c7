import { ValidationError } from "@/lib/errors";
import { assertNoNulIn, readJson } from "../body";
import { bodyLimit } from "../wrap";

/** Query string as a plain object; a repeated parameter is a 400, not a silent pick. */
export function queryObject(url: URL): Record<string, string> {
  assertNoNulIn(url.searchParams, "The query string");
  const out: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (key in out) throw new ValidationError(`Query parameter ${key} must not repeat.`, [{ path: key, message: "repeated" }]);
    out[key] = value;
  }
  return out;
}

/** Action endpoints take no body; anything but nothing or `{}` is refused. */
export async function emptyBody(request: Request): Promise<void> {
  const body = await readJson(request, bodyLimit());
  if (Object.keys(body as object).length > 0) {
    throw new ValidationError(`This action takes no fields; got ${Object.keys(body as object).join(", ")}.`);
  }
}
