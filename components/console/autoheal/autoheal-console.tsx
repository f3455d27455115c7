"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { link } from "@/components/ui/styles";
import { apiGet } from "../api";
import { useHydratedMark } from "../use-hydrated-mark";
import { AckForm, type AckPrefill } from "./ack-form";
import { AlertsPanel } from "./alerts";
import { SilencesPanel } from "./silences";
import { Switches } from "./switches";
import { ActionsTable, CooldownsTable, RulesTable } from "./tables";
import { ACTIONS_URL, STATUS_URL, type ActionsView, type AlertsView, type AutohealStatus, type RulesView } from "./types";

/** State and actions move on their own (runners, alerts): both are polled; the rules are fixed at start. */
const POLL_MS = 3000;

function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <section aria-labelledby={id} className="space-y-2">
      <h2 id={id} className="text-sm font-semibold uppercase tracking-wide text-muted">
        {title}
      </h2>
      {children}
    </section>
  );
}

export function AutohealConsole({
  status: initialStatus,
  rules,
  actions: initialActions,
  alerts,
  isAdmin,
  canAck,
  ackPrefill,
  renderedAt,
}: {
  status: AutohealStatus;
  rules: RulesView;
  actions: ActionsView;
  alerts: AlertsView;
  isAdmin: boolean;
  canAck: boolean;
  ackPrefill?: AckPrefill;
  renderedAt: number;
}) {
  useHydratedMark("autoheal");
  const status = useQuery({
    queryKey: ["autoheal", STATUS_URL],
    queryFn: () => apiGet<AutohealStatus>(STATUS_URL),
    initialData: initialStatus,
    initialDataUpdatedAt: renderedAt,
    refetchInterval: POLL_MS,
  });
  const actions = useQuery({
    queryKey: ["autoheal", ACTIONS_URL],
    queryFn: () => apiGet<ActionsView>(ACTIONS_URL),
    initialData: initialActions,
    initialDataUpdatedAt: renderedAt,
    refetchInterval: POLL_MS,
  });
  const problem = status.error ?? actions.error;
  return (
    <div className="space-y-8">
      {problem ? (
        <p role="alert" className="rounded-md border border-warn p-3 text-sm text-warn">
          Could not refresh (showing what was last read): {problem.message}
        </p>
      ) : null}
      <Switches status={status.data} isAdmin={isAdmin} now={status.dataUpdatedAt} />
      {canAck ? <AckForm prefill={ackPrefill} /> : null}
      <Section id="actions" title="Recent actions">
        <ActionsTable actions={actions.data.actions} />
        <p className="text-sm text-muted">
          The newest 50 jobs. Every action is also in the audit log:{" "}
          <Link className={link} href={`/audit?q=${encodeURIComponent("kind~action")}`}>
            kind~action
          </Link>
          ; live in{" "}
          <Link className={link} href={`/events?q=${encodeURIComponent("kind~action OR kind~alert")}`}>
            live events
          </Link>
          .
        </p>
      </Section>
      <Section id="silences" title="Silences">
        <SilencesPanel canExpire={canAck} />
      </Section>
      <Section id="alerts" title="Alerts received">
        <AlertsPanel initial={alerts} renderedAt={renderedAt} />
      </Section>
      <Section id="cooldowns" title="Active cooldowns">
        <CooldownsTable cooldowns={status.data.active_cooldowns} />
      </Section>
      <Section id="rules" title={`Rules (${rules.rules.length})`}>
        <RulesTable rules={rules} />
      </Section>
    </div>
  );
}
