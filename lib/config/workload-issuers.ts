import { z } from "zod";

/**
 * Workload identity federation (WORKLOAD_ISSUERS): issuers whose JWTs an agent may present as
 * its client assertion instead of holding a secret. Each is a SPIFFE trust domain (JWT-SVIDs:
 * `sub` is a SPIFFE ID in that domain; keys from its JWT bundle, the JWKS SPIRE writes) or an
 * OIDC workload issuer (a CI system, a Kubernetes service-account issuer: `iss` exact), with
 * keys from a file (re-read when it changes: rotation without restart) or a URL (fetched with a
 * timeout and a size limit, cached, refreshed).
 */
const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "name: 1-63 lower-case letters, digits and -");
const trustDomain = z.string().regex(/^[a-z0-9._-]{1,255}$/, "spiffe_trust_domain: a SPIFFE trust domain name (lower case, no scheme)");
const https = z.url({ protocol: /^https?$/ });

export const workloadIssuer = z
  .object({
    name,
    spiffe_trust_domain: trustDomain.optional(),
    issuer: https.optional(),
    jwks_file: z.string().min(1).optional(),
    jwks_uri: https.optional(),
    // Who its tokens must be for; default: Vigil's issuer or its token endpoint.
    audiences: z.array(z.string().min(1)).min(1).max(16).optional(),
  })
  .strict()
  .refine((i) => (i.spiffe_trust_domain === undefined) !== (i.issuer === undefined), "give exactly one of spiffe_trust_domain and issuer")
  .refine((i) => (i.jwks_file === undefined) !== (i.jwks_uri === undefined), "give exactly one of jwks_file and jwks_uri");

export type WorkloadIssuer = z.output<typeof workloadIssuer>;

export const workloadIssuers = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "WORKLOAD_ISSUERS must be a JSON array of issuers" });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(workloadIssuer)
      .max(32)
      .refine((list) => new Set(list.map((i) => i.name)).size === list.length, "issuer names must not repeat"),
  );
