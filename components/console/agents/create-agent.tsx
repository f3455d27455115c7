"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import type { AgentView } from "@/lib/identity/agents/schemas";
import { btnPrimary } from "@/components/ui/styles";
import { apiWrite } from "../api";
import { AgentForm } from "./agent-form";

export function CreateAgent() {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <button type="button" className={btnPrimary} onClick={() => setOpen(true)}>
        New agent
      </button>
    );
  }
  return (
    <section aria-labelledby="new-agent" className="w-full rounded-lg border border-accent bg-surface p-4">
      <h2 id="new-agent" className="mb-3 font-semibold">
        Register an agent
      </h2>
      <AgentForm
        submitLabel="Create agent"
        onCancel={() => setOpen(false)}
        onSubmit={async (payload) => {
          const agent = await apiWrite<AgentView>("POST", "/api/v1/agents", payload);
          router.push(`/agents/${agent.id}`);
        }}
      />
    </section>
  );
}
