import Link from "next/link";
import { Placeholder } from "@/components/console/placeholder";
import { link } from "@/components/ui/styles";

export const metadata = { title: "Live events" };

export default function EventsPage() {
  return (
    <Placeholder title="Live events">
      <p>
        The live stream (<code>GET /api/v1/events</code>, server-sent events filtered by the audit query language) is
        being built; this page will show it as it arrives.
      </p>
      <p>
        Until then, the same events are in the{" "}
        <Link className={link} href="/audit">
          audit log
        </Link>
        .
      </p>
    </Placeholder>
  );
}
