"use client";

import { useHydratedMark } from "../use-hydrated-mark";
import { AllDelegations } from "./all-delegations";
import { GrantForm } from "./grant-form";
import { MyDelegations } from "./my-delegations";
import type { AgentNames, AgentOption, GrantPage } from "./types";

/**
 * What a person sees: the form and their own grants when the session names a person at the
 * organisation's provider, an explanation otherwise; admins also see everyone's grants.
 */
export function DelegationsConsole({
  person,
  agents,
  names,
  all,
  maxDepth,
  renderedAt,
}: {
  person: { held: string[]; mine: GrantPage } | null;
  agents: AgentOption[];
  names: AgentNames;
  all: GrantPage | null;
  maxDepth: number;
  renderedAt: number;
}) {
  useHydratedMark("delegations");
  return (
    <div className="space-y-8">
      {person ? (
        <>
          <GrantForm agents={agents} held={person.held} maxDepth={maxDepth} />
          <MyDelegations initial={person.mine} names={names} renderedAt={renderedAt} />
        </>
      ) : (
        <section aria-labelledby="no-person" className="rounded-lg border border-line bg-surface p-4" data-testid="no-person">
          <h2 id="no-person" className="font-semibold">
            Delegations are granted by people your organisation knows
          </h2>
          <p className="mt-1 text-sm text-muted">
            This session did not come from your organisation&apos;s identity provider (it is the trial&apos;s development sign-in), so it names no person an agent
            could act for: an agent exchanges the person&apos;s own provider token, and Vigil checks the grant against it. Sign in with single sign-on to let an
            agent act for you.
          </p>
        </section>
      )}
      {all ? <AllDelegations initial={all} names={names} renderedAt={renderedAt} /> : null}
    </div>
  );
}
