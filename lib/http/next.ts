import { problem } from "./problem";
import { dispatch } from "./dispatch";

/**
 * What every app/api route file exports: the same table-driven dispatch the fast lane
 * uses, so a handler exists once whichever server receives the request.
 */
export async function handle(request: Request): Promise<Response> {
  return (await dispatch(request)) ?? problem(404, "Not Found", `No API route at ${new URL(request.url).pathname}.`);
}
