import type { listActions } from "@/lib/autoheal/list-actions";
import type { listRules } from "@/lib/autoheal/list-rules";
import type { autohealStatusForReader } from "@/lib/autoheal/reader-status";
import type { AckView } from "@/lib/autoheal/ack";
import type { listAlerts } from "@/lib/autoheal/alerts-list";
import type { SilenceView } from "@/lib/autoheal/silences";

export type AutohealStatus = Awaited<ReturnType<typeof autohealStatusForReader>>;
export type RulesView = ReturnType<typeof listRules>;
export type ActionsView = Awaited<ReturnType<typeof listActions>>;
export type ActionView = ActionsView["actions"][number];
export type AlertsView = Awaited<ReturnType<typeof listAlerts>>;
export type AlertView = AlertsView["alerts"][number];
export type { AckView, SilenceView };

export const STATUS_URL = "/api/v1/autoheal";
export const ACTIONS_URL = "/api/v1/autoheal/actions?n=50";
export const SILENCES_URL = "/api/v1/autoheal/silences";
export const ALERTS_URL = "/api/v1/autoheal/alerts?n=20";
