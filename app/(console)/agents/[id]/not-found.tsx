import Link from "next/link";
import { EmptyState } from "@/components/ui/page-header";
import { link } from "@/components/ui/styles";

export default function AgentNotFound() {
  return (
    <EmptyState title="No such agent">
      It may never have existed, or the link is mistyped.{" "}
      <Link className={link} href="/agents">
        Back to the agents
      </Link>
    </EmptyState>
  );
}
