import { AuthCard, buttonBase, buttonClass } from "@/components/auth-card";
import { getConfig } from "@/lib/config";
import { signInForDevelopment, signInWithProvider } from "@/lib/gate/session/actions";

export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl = "/" } = await searchParams;
  const config = getConfig();
  return (
    <AuthCard title="Sign in">
      {config.OIDC_ISSUER ? (
        <form action={signInWithProvider}>
          <input type="hidden" name="callbackUrl" value={callbackUrl} />
          <button type="submit" className={buttonClass}>
            Sign in with your organisation
          </button>
          <p className="mt-2 text-xs text-muted">{new URL(config.OIDC_ISSUER).host}</p>
        </form>
      ) : null}
      {config.devSignIn ? (
        <form action={signInForDevelopment} className="rounded-md border border-warn bg-surface-2 p-4">
          <p className="text-sm font-semibold text-warn">Development sign-in</p>
          <p className="mt-1 text-sm text-fg">
            No identity provider is configured. This signs you in as an administrator without a password. It is
            refused in production; set OIDC_ISSUER to use your organisation&apos;s sign-in.
          </p>
          <input type="hidden" name="callbackUrl" value={callbackUrl} />
          <button type="submit" className={`${buttonBase} mt-3 bg-warn hover:opacity-90`}>
            Continue as development admin
          </button>
        </form>
      ) : null}
      {!config.OIDC_ISSUER && !config.devSignIn ? (
        <p role="alert">No sign-in method is configured. Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.</p>
      ) : null}
    </AuthCard>
  );
}
