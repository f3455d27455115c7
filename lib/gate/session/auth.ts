import NextAuth from "next-auth";
import { authConfig } from "./auth-config";

/** Auth.js, configured lazily per request (see authConfig). */
export const { handlers, auth, signIn, signOut } = NextAuth(() => authConfig());
