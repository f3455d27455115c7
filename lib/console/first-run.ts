import { count, notLike } from "drizzle-orm";
import { agents } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import { getConfig } from "@/lib/config";
import type { VerbCtx } from "@/lib/context";
import { BOOTSTRAP_EMAIL_DOMAIN } from "@/lib/identity/bootstrap";
import { oauthEndpoints } from "@/lib/identity/endpoints";

/** What the first-run overview fills its snippets with: this instance's own URLs and settings, never a secret. */
export type FirstRunGuide = {
  /** The public URL people and Alertmanager reach (AUTH_URL, else the issuer). */
  base: string;
  issuer: string;
  tokenUrl: string;
  validateUrl: string;
  alertUrl: string;
  /** How Alertmanager must authenticate its webhooks: which of the two settings is set. */
  alertAuth: "bearer" | "basic" | "none";
  alertmanagerUrl: string | null;
};

/**
 * The first-run guide, or null once any agent exists (whatever its status: a
 * decommissioned agent still means someone has been here). The bootstrap admin
 * (VIGIL_BOOTSTRAP_ADMIN_SECRET) is Vigil's own and does not count. The URLs are those discovery
 * advertises (the issuer's) and the public base URL, so a copied snippet works unchanged.
 */
export async function firstRunGuide(ctx: VerbCtx): Promise<FirstRunGuide | null> {
  requireScope(ctx.actor, "agents:read");
  const [row] = await ctx.db.select({ n: count() }).from(agents).where(notLike(agents.email, `%@${BOOTSTRAP_EMAIL_DOMAIN}`));
  if ((row?.n ?? 0) > 0) return null;
  const config = getConfig();
  const base = (config.AUTH_URL ?? config.issuer).replace(/\/+$/, "");
  const { bearer, basic } = config.autoheal.alertAuth;
  return {
    base,
    issuer: config.issuer,
    tokenUrl: oauthEndpoints(config.issuer).token,
    validateUrl: `${base}/api/auth/validate`,
    alertUrl: `${base}/api/alert`,
    alertAuth: bearer ? "bearer" : basic ? "basic" : "none",
    alertmanagerUrl: config.autoheal.alertmanagerUrl ? new URL(config.autoheal.alertmanagerUrl).origin : null,
  };
}
