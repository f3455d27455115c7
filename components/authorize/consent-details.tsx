import type { ReactNode } from "react";
import type { ConsentView } from "@/lib/identity/authorize/consent";
import { card, link } from "@/components/ui/styles";
import { AgentLogo } from "./agent-logo";
import { httpsUrl, scopeText, utcMinute } from "./wording";

export type AskView = Extract<ConsentView, { kind: "ask" }>;

function ScopeList({ scopes, testId }: { scopes: string[]; testId: string }) {
  return (
    <ul className="mt-2 space-y-1" data-testid={testId}>
      {scopes.map((s) => (
        <li key={s} className="text-sm" data-scope={s}>
          <span className="break-all font-mono">{s}</span>
          {scopeText(s) ? <span className="text-muted"> — {scopeText(s)}</span> : null}
        </li>
      ))}
    </ul>
  );
}

function Part({ id, title, children, testId }: { id: string; title: string; children: ReactNode; testId?: string }) {
  return (
    <section aria-labelledby={id} className={card} data-testid={testId}>
      <h2 id={id} className="font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

/** Who asks, where the person goes back to, and exactly what approving would grant. */
export function ConsentDetails({ view }: { view: AskView }) {
  const { agent } = view;
  const homepage = httpsUrl(agent.homepage_uri);
  return (
    <>
      <header className="flex items-start gap-4">
        <AgentLogo name={agent.name} uri={agent.logo_uri} />
        <div className="min-w-0">
          <p className="text-sm text-muted">Authorization request</p>
          <h1 id="consent-title" className="break-words text-2xl font-semibold tracking-tight">
            {agent.name} wants to act for you
          </h1>
          <p className="mt-1 text-sm text-muted">
            Owner: <span className="text-fg" data-testid="agent-owner">{agent.owner}</span>
            {" · "}
            {agent.client_type === "public" ? "public client (an app that keeps no secret; it proves itself with PKCE)" : "confidential client (a server holding a secret)"}
          </p>
        </div>
      </header>

      <section aria-label={`About ${agent.name}`} className={`${card} space-y-2`}>
        {agent.description ? (
          <p className="whitespace-pre-line break-words" data-testid="agent-description">
            {agent.description}
          </p>
        ) : (
          <p className="text-sm text-muted">Its owner registered no description.</p>
        )}
        {homepage ? (
          <p className="text-sm">
            <a className={link} href={homepage} target="_blank" rel="noopener noreferrer" data-testid="agent-homepage">
              {new URL(homepage).host}
            </a>{" "}
            <span className="text-muted">(its homepage, opens in a new tab)</span>
          </p>
        ) : null}
        <p className="text-sm" data-testid="redirect-note">
          After you decide, Vigil sends you back to <strong className="break-all font-mono" data-testid="redirect-host">{view.redirect_host}</strong>. Continue only if you expect to
          return there.
        </p>
      </section>

      {view.granted.length > 0 ? (
        <Part id="granted" title="You will grant exactly these" testId="granted">
          <p className="mt-1 text-sm text-muted">
            Of what {agent.name} asks for, these are the scopes you hold. Its tokens will name you as the person and {agent.name} as the one acting, and carry these scopes and no
            others.
          </p>
          <ScopeList scopes={view.granted} testId="granted-scopes" />
        </Part>
      ) : (
        <Part id="granted" title="Nothing you could grant" testId="granted">
          <p className="mt-1 text-sm" data-testid="nothing-to-grant">
            {agent.name} asks only for scopes you do not hold, and nobody can let an agent do more than they may do themselves. There is nothing to approve; Deny tells it so.
          </p>
        </Part>
      )}

      {view.not_held.length > 0 ? (
        <Part id="not-held" title="Asked for, but will not be granted" testId="not-held">
          <p className="mt-1 text-sm text-muted">You do not hold these, so approving does not give them to {agent.name}:</p>
          <ScopeList scopes={view.not_held} testId="not-held-scopes" />
        </Part>
      ) : null}

      {view.policy_removed.length > 0 ? (
        <Part id="policy-removed" title="Asked for, but your organisation's policy does not allow" testId="policy-removed">
          <p className="mt-1 text-sm text-muted">A runtime policy forbids granting these to {agent.name}, so approving does not give them:</p>
          <ScopeList scopes={view.policy_removed} testId="policy-removed-scopes" />
        </Part>
      ) : null}

      <Part id="resources" title="Where its tokens may be used" testId="resources">
        {view.resources.length > 0 ? (
          <ul className="mt-2 space-y-1 text-sm">
            {view.resources.map((r) => (
              <li key={r} className="break-all font-mono">
                {r}
              </li>
            ))}
          </ul>
        ) : (
          <p className="mt-1 text-sm text-muted">The request names no particular service: its tokens go to the one it is registered for by default.</p>
        )}
      </Part>

      {view.existing_grant ? (
        <Part id="existing" title="This extends your grant" testId="existing-grant">
          <p className="mt-1 text-sm">
            You already let {agent.name} act for you with <span className="font-mono">{view.existing_grant.scopes.join(" ")}</span> until {utcMinute(view.existing_grant.expires_at)}.
            Approving adds what is listed above to that grant; it does not start a second one.
          </p>
        </Part>
      ) : null}
    </>
  );
}
