"use client";

import { useQueryClient } from "@tanstack/react-query";
import { apiWrite } from "../api";
import { ConfirmButton } from "../confirm-dialog";
import type { GrantView } from "./types";

/**
 * Revoke behind a dialog that says what follows: the revocation view refuses every token
 * issued under the grant at once (chains included), so running work of the agent stops.
 */
export function RevokeGrant({ grant, agentName, forWhom }: { grant: GrantView; agentName: string; forWhom: string }) {
  const client = useQueryClient();
  return (
    <ConfirmButton
      label="Revoke"
      danger
      title={`Revoke ${agentName}'s delegation?`}
      consequence={
        <>
          <strong className="text-danger">Every token issued under this delegation stops working at once</strong>, on every Vigil instance, and{" "}
          {agentName} can no longer exchange {forWhom} token for new ones. This cannot be undone: to let it act again, grant a new delegation.
        </>
      }
      confirmLabel="Revoke delegation"
      onConfirm={async () => {
        await apiWrite<GrantView>("DELETE", `/api/v1/delegations/${grant.id}`);
        await client.invalidateQueries({ queryKey: ["delegations"] });
      }}
    />
  );
}
