import { getConfig } from "@/lib/config";
import { RemoteKeySet } from "./remote-keys";

const holder = globalThis as unknown as { __vigilExternalKeys?: RemoteKeySet | null };

/** The organisation's provider key set, or null when OIDC_ISSUER is not configured. */
export function externalKeySet(): RemoteKeySet | null {
  if (holder.__vigilExternalKeys === undefined) {
    const config = getConfig();
    holder.__vigilExternalKeys = config.OIDC_ISSUER
      ? new RemoteKeySet({ issuer: config.OIDC_ISSUER, jwksUri: config.OIDC_JWKS_URI })
      : null;
  }
  return holder.__vigilExternalKeys;
}

/** At start: fetch the keys once; an unreachable provider does not stop Vigil (readiness says so). */
export async function startExternalIssuer(): Promise<void> {
  await externalKeySet()?.start();
}

export function stopExternalIssuer(): void {
  holder.__vigilExternalKeys?.stop();
  holder.__vigilExternalKeys = undefined;
}
