import { AuthCard } from "@/components/auth-card";

export const dynamic = "force-dynamic";

const MESSAGES: Record<string, string> = {
  Configuration: "Sign-in is misconfigured on the server. The server log names the setting.",
  AccessDenied: "Your account is not allowed to sign in to Vigil.",
  Verification: "The sign-in link is no longer valid.",
};

export default async function AuthErrorPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const { error = "" } = await searchParams;
  return (
    <AuthCard title="Sign-in failed">
      <p role="alert">{MESSAGES[error] ?? "Sign-in did not complete. Try again."}</p>
      <a href="/signin" className="text-accent underline">
        Back to sign-in
      </a>
    </AuthCard>
  );
}
