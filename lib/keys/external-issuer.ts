import { getConfig } from "@/lib/config";
import { processSingleton } from "@/lib/process/singleton";
import { RemoteKeySet } from "./remote-keys";

// undefined: not made yet; null: no provider configured.
const slot = () => processSingleton("external-issuer", (): { keys?: RemoteKeySet | null } => ({}));

/** The organisation's provider key set, or null when OIDC_ISSUER is not configured. */
export function externalKeySet(): RemoteKeySet | null {
  const s = slot();
  if (s.keys === undefined) {
    const config = getConfig();
    s.keys = config.OIDC_ISSUER
      ? new RemoteKeySet({ issuer: config.OIDC_ISSUER, jwksUri: config.OIDC_JWKS_URI })
      : null;
  }
  return s.keys;
}

/** At start: fetch the keys once; an unreachable provider does not stop Vigil (readiness says so). */
export async function startExternalIssuer(): Promise<void> {
  await externalKeySet()?.start();
}

export function stopExternalIssuer(): void {
  const s = slot();
  s.keys?.stop();
  s.keys = undefined;
}
