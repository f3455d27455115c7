import { sql } from "drizzle-orm";
import { authorizationCodes } from "@/drizzle/schema";
import { personId, type Person } from "@/lib/access/person";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import { gateNotice } from "@/lib/identity/state-view";
import { grantForConsent } from "./grant";
import { redirectTo, type AuthorizationRequest } from "./request";
import { newAuthorizationCode, tokenHash } from "./secrets";

/** RFC 6749 §4.1.2 recommends at most ten minutes; a code is redeemed at once or never. */
export const CODE_LIFETIME_SECONDS = 60;

/**
 * The person said yes (or already had, under consent_mode once): the grant is made or
 * extended, a single-use code bound to the client, redirect_uri and PKCE challenge is stored
 * (hashed), and the client's redirect carries it with `state` and `iss`.
 */
export async function approve(ctx: VerbCtx, person: Pick<Person, "issuer" | "sub" | "label">, request: AuthorizationRequest, scopes: string[], seconds: number, auto: boolean): Promise<string> {
  // no-scope: the consent and decision verbs that call this check delegations:write first.
  const code = newAuthorizationCode();
  return commit(ctx, async (tx) => {
    const { grant, event } = await grantForConsent(tx, person, request.agent.id, scopes, request.resources, seconds, ctx.actor.label);
    await tx.insert(authorizationCodes).values({
      codeHash: tokenHash(code),
      clientId: request.clientId,
      agentId: request.agent.id,
      grantId: grant.id,
      personIssuer: person.issuer,
      personSub: person.sub,
      personLabel: person.label,
      scopes,
      resources: request.resources,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      dpopJkt: request.dpopJkt,
      expiresAt: sql`now() + make_interval(secs => ${CODE_LIFETIME_SECONDS})`,
    });
    return {
      value: redirectTo(request.redirectUri, { code, state: request.state }),
      events: [
        event,
        {
          kind: "consent.granted",
          outcome: "success",
          agentId: request.agent.id,
          clientId: request.clientId,
          metadata: { person: personId(person.issuer, person.sub), scopes, resources: request.resources, delegation_id: grant.id, duration_seconds: seconds, skipped_consent: auto },
        },
      ],
      notices: [gateNotice({ t: "delegation", id: grant.id, status: "active", v: Date.now() })],
    };
  });
}
