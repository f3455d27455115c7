import { materialised, problem } from "./problem";
import { dispatch } from "./dispatch";
import { mergedResponse } from "./wrap";

/**
 * What every app/api route file exports: the same table-driven dispatch the fast lane
 * uses, so a handler exists once whichever server receives the request.
 */
export async function handle(request: Request): Promise<Response> {
  const answer = await dispatch(request);
  return answer ? mergedResponse(answer) : materialised(problem(404, "Not Found", `No API route at ${new URL(request.url).pathname}.`));
}
