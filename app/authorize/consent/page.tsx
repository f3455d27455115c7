import { redirect } from "next/navigation";
import { ConsentDetails } from "@/components/authorize/consent-details";
import { DecisionForm, type RequestParams } from "@/components/authorize/decision-form";
import { btnSecondary } from "@/components/ui/styles";
import { pageCtx } from "@/lib/console/page-ctx";
import { signOutEverywhere } from "@/lib/gate/session/actions";
import { prepareConsent, type ConsentView } from "@/lib/identity/authorize/consent";
import { UntrustedAuthorizationError } from "@/lib/identity/authorize/request";

// Rendered whole on the server, with no loading boundary: a redirect (a refusal, or consent
// already given under consent_mode once) must be a real HTTP redirect, not a streamed one.
export const dynamic = "force-dynamic";
export const metadata = { title: "Let an agent act for you", robots: { index: false } };

/** The parameters of an authorization request the decision carries back, nothing else. */
const REQUEST_PARAMS = ["response_type", "client_id", "redirect_uri", "code_challenge", "code_challenge_method", "state", "scope", "resource", "dpop_jkt"] as const;

type Search = Record<string, string | string[] | undefined>;

const defined = (search: Search): RequestParams => Object.fromEntries(Object.entries(search).filter((e): e is [string, string | string[]] => e[1] !== undefined));

/**
 * The consent page (proxy.ts sends a visitor without a session through sign-in first and
 * back here): the agent, where the person goes back to, what it asks, what of that they
 * hold, a duration, Approve and Deny.
 */
export default async function ConsentPage({ searchParams }: { searchParams: Promise<Search> }) {
  const search = defined(await searchParams);
  const ctx = await pageCtx();
  let view: ConsentView;
  try {
    view = await prepareConsent(ctx, search);
  } catch (error) {
    // A client or redirect_uri that cannot be trusted: explained here, never sent to the client.
    if (error instanceof UntrustedAuthorizationError) redirect(`/authorize/error?reason=${error.reason}`);
    throw error;
  }
  if (view.kind === "redirect") redirect(view.to);

  const params = Object.fromEntries(REQUEST_PARAMS.flatMap((name) => (search[name] === undefined ? [] : [[name, search[name]]]))) as RequestParams;
  return (
    <article aria-labelledby="consent-title" className="space-y-4">
      <ConsentDetails view={view} />
      {view.person ? (
        <>
          <p className="text-sm text-muted">
            Signed in as <span className="text-fg" data-testid="consent-person">{view.person.label}</span>.
          </p>
          <DecisionForm agentName={view.agent.name} params={params} durations={view.durations} canApprove={view.granted.length > 0} extends={view.existing_grant !== null} />
        </>
      ) : (
        <section aria-labelledby="no-person" className="rounded-lg border border-warn bg-surface p-4" data-testid="no-person">
          <h2 id="no-person" className="font-semibold">
            Only a person your organisation knows can approve this
          </h2>
          <p className="mt-1 text-sm text-muted">
            This session did not come from your organisation&apos;s identity provider (it is the trial&apos;s development sign-in), so it names no person {view.agent.name} could act
            for. Sign out, then sign in with your organisation&apos;s single sign-on and open the agent&apos;s link again. Nothing has been granted; you can close this tab.
          </p>
          <form action={signOutEverywhere} className="mt-3">
            <button type="submit" className={btnSecondary}>
              Sign out
            </button>
          </form>
        </section>
      )}
    </article>
  );
}
