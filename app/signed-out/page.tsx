import { AuthCard } from "@/components/auth-card";

export default function SignedOutPage() {
  return (
    <AuthCard title="Signed out">
      <p>Your Vigil session has ended.</p>
      <a href="/signin" className="text-accent underline">
        Sign in again
      </a>
    </AuthCard>
  );
}
