import { INTAKE_ACTOR } from "@/lib/autoheal/intake";
import { authenticateAlertmanager } from "@/lib/autoheal/intake-auth";
import type { IncomingRequest, MachineCtx, RequestFacts, VerbCtx } from "@/lib/context";
import type { Db } from "@/lib/db/types";
import { checkCronSecret } from "@/lib/gate/cron-secret";
import { checkMetricsToken } from "@/lib/gate/metrics-token";
import { authenticateAtGateway } from "@/lib/gate/validate";
import type { BearerChecker } from "./types";

type Base = RequestFacts & { db: Db };

/**
 * The bearer checks the route table names (`auth: { bearer: ... }`): each refuses with a
 * 401 naming what is wrong, or returns the context its verb runs in.
 */
export const checkers: Record<BearerChecker, (request: IncomingRequest, base: Base) => Promise<VerbCtx | MachineCtx>> = {
  // nginx auth_request: the caller's bearer token, for the services behind the gateway.
  gateway: (request, base) => authenticateAtGateway(base, request),
  // Alertmanager's webhook http_config credentials (bearer or basic).
  alertmanager: async (request, base) => {
    authenticateAlertmanager(request.headers.get("authorization"));
    return { ...base, by: INTAKE_ACTOR };
  },
  // Prometheus's scrape token, when METRICS_TOKEN is set.
  metrics: async (request, base) => {
    checkMetricsToken(request.headers.get("authorization"));
    return { ...base, by: "prometheus" };
  },
  // Vercel Cron (serverless mode): Authorization: Bearer $CRON_SECRET.
  cron: async (request, base) => {
    checkCronSecret(request.headers.get("authorization"));
    return { ...base, by: "system:cron" };
  },
};
