import { showsHeartbeats } from "@/components/console/audit/heartbeats-filter";
import { LiveEvents } from "@/components/console/events/live-events";
import { PageHeader } from "@/components/ui/page-header";
import { liveStart, type LiveStart } from "@/lib/audit/live/start";
import { ValidationError } from "@/lib/errors";
import { pageCtx } from "@/lib/console/page-ctx";

export const dynamic = "force-dynamic";
export const metadata = { title: "Live events" };

const FIRST_ROWS = 50;

export default async function EventsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const ctx = await pageCtx();
  const sp = await searchParams;
  const q = typeof sp.q === "string" ? sp.q.trim() : "";
  const heartbeats = sp.heartbeats === "show" ? "show" : undefined;
  const hideHeartbeats = !showsHeartbeats(heartbeats, q);
  let start: LiveStart = { events: [], resume_from: "0" };
  let problem: string | null = null;
  try {
    start = await liveStart(ctx, { q: q || undefined, n: FIRST_ROWS, ...(hideHeartbeats ? { heartbeats: false } : {}) });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problem = error.message;
  }
  return (
    <>
      <PageHeader title="Live events" lead="The audit log as it is written, filtered by the audit query language. The filter is in the URL." />
      {/* Keyed by the filter: a new filter is a new stream with its own history. */}
      <LiveEvents key={`${hideHeartbeats}:${q}`} q={q} heartbeats={heartbeats} initial={start.events} from={start.resume_from} problem={problem} />
    </>
  );
}
