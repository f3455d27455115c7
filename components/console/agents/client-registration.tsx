import type { AgentView } from "@/lib/identity/agents/schemas";
import { card, link } from "@/components/ui/styles";

const CLIENT_TYPE = {
  confidential: "Confidential — authenticates with a client secret",
  public: "Public — no secret; PKCE and rotating refresh tokens only",
} as const;

const CONSENT = {
  always: "Ask every time",
  once: "Ask once — a live grant covering the request skips the consent page",
} as const;

/** What people see on the consent page about this agent, and where they may be sent back. */
export function ClientRegistration({ agent }: { agent: AgentView }) {
  return (
    <section aria-labelledby="client" className={card}>
      <h2 id="client" className="mb-2 font-semibold">
        People authorize it (OAuth client)
      </h2>
      <dl className="grid grid-cols-1 gap-x-3 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
        <dt className="text-muted">Description</dt>
        <dd className="whitespace-pre-line break-words" data-testid="client-description">
          {agent.description ?? <span className="text-muted">none</span>}
        </dd>
        <dt className="text-muted">Redirect URIs</dt>
        <dd data-testid="redirect-uris">
          {agent.redirect_uris.length > 0 ? (
            <ul>
              {agent.redirect_uris.map((u) => (
                <li key={u} className="break-all font-mono text-xs">
                  {u}
                </li>
              ))}
            </ul>
          ) : (
            <span className="text-muted">none — people cannot authorize it yet</span>
          )}
        </dd>
        <dt className="text-muted">Client type</dt>
        <dd data-testid="client-type">{CLIENT_TYPE[agent.client_type]}</dd>
        <dt className="text-muted">Consent</dt>
        <dd data-testid="consent-mode">{CONSENT[agent.consent_mode]}</dd>
        <dt className="text-muted">Logo</dt>
        <dd className="break-all font-mono text-xs">{agent.logo_uri ?? <span className="font-sans text-muted">none</span>}</dd>
        <dt className="text-muted">Homepage</dt>
        <dd className="break-all text-xs">
          {agent.homepage_uri ? (
            <a className={`${link} font-mono`} href={agent.homepage_uri} target="_blank" rel="noopener noreferrer">
              {agent.homepage_uri}
            </a>
          ) : (
            <span className="text-muted">none</span>
          )}
        </dd>
      </dl>
    </section>
  );
}
