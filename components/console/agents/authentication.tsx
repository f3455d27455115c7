import type { AgentView } from "@/lib/identity/agents/schemas";
import { card } from "@/components/ui/styles";

const DPOP = {
  optional: "Optional — a token is bound to the agent's key when it sends a DPoP proof",
  required: "Required — no token without a DPoP proof; every token works only with the agent's private key",
} as const;

/** How the agent authenticates and whether its tokens are bound to a key (RFC 9449, RFC 7523). */
export function Authentication({ agent }: { agent: AgentView }) {
  const kids = agent.jwks?.keys.map((k) => `${k.kid} (${k.alg})`) ?? [];
  const methods = [
    agent.client_type === "public" ? "No secret (public client): PKCE and refresh rotation" : "A client secret, where its credential has one",
    ...(kids.length > 0 || agent.jwks_uri ? ["a signed client assertion (private_key_jwt) with a registered key"] : []),
    ...(agent.workload_identity ? [`a workload JWT from ${agent.workload_identity.issuer}`] : []),
  ];
  return (
    <section aria-labelledby="proof" className={card}>
      <h2 id="proof" className="mb-2 font-semibold">
        How it proves itself
      </h2>
      <dl className="grid grid-cols-1 gap-x-3 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
        <dt className="text-muted">Client authentication</dt>
        <dd data-testid="client-auth">{methods.join("; or ")}</dd>
        <dt className="text-muted">Workload identity</dt>
        <dd className="break-all text-xs" data-testid="workload-identity">
          {agent.workload_identity ? (
            <>
              <span className="font-mono">{agent.workload_identity.subject}</span> <span className="text-muted">from {agent.workload_identity.issuer}: its JWT is the client assertion, no secret</span>
            </>
          ) : (
            <span className="text-sm text-muted">none</span>
          )}
        </dd>
        <dt className="text-muted">Registered keys</dt>
        <dd className="break-all font-mono text-xs" data-testid="client-keys">
          {kids.length > 0 ? kids.join(", ") : agent.jwks_uri ? `published at ${agent.jwks_uri}` : <span className="font-sans text-muted">none</span>}
        </dd>
        <dt className="text-muted">Proof of possession</dt>
        <dd data-testid="dpop-mode">{DPOP[agent.dpop]}</dd>
      </dl>
    </section>
  );
}
