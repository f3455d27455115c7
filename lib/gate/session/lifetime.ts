/**
 * A console session's absolute lifetime: 8 hours from sign-in (a working day), whether or
 * not Auth.js renewed the cookie meanwhile. Also how long a sign-out stays on the
 * revocation list: no copy of the cookie can outlive it.
 */
export const SESSION_MAX_AGE_SECONDS = 8 * 3600;
