import type { Metadata } from "next";
import type { ReactNode } from "react";
import { auth } from "@/lib/gate/session/auth";
import "./globals.css";

export const metadata: Metadata = {
  title: "Vigil",
  description: "Command center for AI agents: identity, gate, autoheal and one tamper-evident log.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const session = await auth();
  return (
    <html lang="en" className="dark">
      <head>{session?.csrfToken ? <meta name="csrf-token" content={session.csrfToken} /> : null}</head>
      <body className="min-h-screen font-sans">{children}</body>
    </html>
  );
}
