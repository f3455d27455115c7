import type { listActions } from "@/lib/autoheal/list-actions";
import type { listRules } from "@/lib/autoheal/list-rules";
import type { autohealStatusForReader } from "@/lib/autoheal/reader-status";
import type { AckView } from "@/lib/autoheal/ack";

export type AutohealStatus = Awaited<ReturnType<typeof autohealStatusForReader>>;
export type RulesView = ReturnType<typeof listRules>;
export type ActionsView = Awaited<ReturnType<typeof listActions>>;
export type ActionView = ActionsView["actions"][number];
export type { AckView };

export const STATUS_URL = "/api/v1/autoheal";
export const ACTIONS_URL = "/api/v1/autoheal/actions?n=50";
