"use client";

import { useQueryClient } from "@tanstack/react-query";
import { apiWrite } from "../api";
import { ConfirmButton } from "../confirm-dialog";
import { setUrl, type PolicySetView } from "./types";

/**
 * One click back to an earlier version, behind a dialog saying what follows: the old text
 * becomes current as a new version (history only grows) and every instance decides by it
 * within a second.
 */
export function RollbackVersion({ name, version, current, onDone }: { name: string; version: number; current: number; onDone: (set: PolicySetView) => void }) {
  const client = useQueryClient();
  return (
    <ConfirmButton
      label={`Roll back to ${version}`}
      title={`Roll ${name} back to version ${version}?`}
      consequence={
        <>
          Version {version}&apos;s text, mode, routes and headers become current again as version {current + 1}, and{" "}
          <strong className="text-fg">every Vigil instance decides by them within a second</strong>. Versions {version + 1}–{current} stay in the history.
        </>
      }
      confirmLabel="Roll back"
      onConfirm={async () => {
        const set = await apiWrite<PolicySetView>("POST", `${setUrl(name)}/rollback`, { version });
        await client.invalidateQueries({ queryKey: ["policies"] });
        onDone(set);
      }}
    />
  );
}
