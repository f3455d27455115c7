import type { Metadata } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { auth } from "@/lib/gate/session/auth";
import { NONCE_HEADER } from "@/lib/http/page-headers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Vigil", template: "%s · Vigil" },
  description: "Command center for AI agents: identity, gate, autoheal and one tamper-evident log.",
};

// Before first paint, so a light-theme user never sees a dark flash: the stored choice
// (components/console/theme-toggle.tsx), else the system's preference — the default;
// dark when neither says light.
const THEME_SCRIPT = `try{var t=localStorage.getItem("vigil-theme");if(t==="light"||(!t&&matchMedia("(prefers-color-scheme: light)").matches))document.documentElement.classList.remove("dark")}catch(e){}`;

export default async function RootLayout({ children }: { children: ReactNode }) {
  const session = await auth();
  // proxy.ts's per-response nonce: the only way an inline script runs under its policy.
  const nonce = (await headers()).get(NONCE_HEADER) ?? undefined;
  return (
    <html lang="en" className="dark" suppressHydrationWarning>
      <head>
        {session?.csrfToken ? <meta name="csrf-token" content={session.csrfToken} /> : null}
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen font-sans">{children}</body>
    </html>
  );
}
