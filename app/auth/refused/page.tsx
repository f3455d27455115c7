import { AuthCard, buttonClass } from "@/components/auth-card";
import { getConfig } from "@/lib/config";
import { signOutEverywhere } from "@/lib/gate/session/actions";

export const dynamic = "force-dynamic";

export default function RefusedPage() {
  const config = getConfig();
  return (
    <AuthCard title="No access to Vigil">
      <p>
        You signed in, but your account has no Vigil role. Vigil reads the{" "}
        <code className="rounded bg-surface-2 px-1">{config.OIDC_ROLES_CLAIM}</code> claim from your identity provider
        and grants a role only for these values:
      </p>
      <ul className="list-disc pl-5 font-mono text-sm">
        {config.OIDC_ROLE_MAP.split(",").map((pair) => (
          <li key={pair}>{pair.replace("=", " → ")}</li>
        ))}
      </ul>
      <p>Ask your administrator to add you to one of them, then sign in again.</p>
      <form action={signOutEverywhere}>
        <button type="submit" className={buttonClass}>
          Sign out
        </button>
      </form>
    </AuthCard>
  );
}
