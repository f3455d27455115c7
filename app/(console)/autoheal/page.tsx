import Link from "next/link";
import { Placeholder } from "@/components/console/placeholder";
import { link } from "@/components/ui/styles";
import { getConfig } from "@/lib/config";

export const metadata = { title: "Autoheal" };
export const dynamic = "force-dynamic";

export default function AutohealPage() {
  const { autoheal } = getConfig();
  return (
    <Placeholder title="Autoheal">
      <p>
        Alerts, jobs, rules and acknowledgements will appear here once the autoheal API is merged. Configured now:
        autoheal is <strong>{autoheal.enabled ? "enabled" : "disabled"}</strong>
        {autoheal.enabled ? (autoheal.dryRun ? ", in dry-run (records what it would do, acts on nothing)" : ", acting live") : ""}.
      </p>
      <p>
        Actions taken so far are in the audit log:{" "}
        <Link className={link} href={`/audit?q=${encodeURIComponent("kind~action")}`}>
          kind~action
        </Link>
        .
      </p>
    </Placeholder>
  );
}
