import { z } from "zod";
import { getConfig } from "@/lib/config";
import { spiffeTrustDomain } from "../credentials/workload";

/**
 * An agent's workload identity: a configured issuer (WORKLOAD_ISSUERS `name`) and the subject
 * its JWTs carry — a SPIFFE ID in the issuer's trust domain, or the OIDC issuer's `sub` (a
 * Kubernetes service account's system:serviceaccount:<ns>:<name>, a CI job's subject).
 */
export const workloadIdentity = z
  .object({
    issuer: z.string().min(1).max(63),
    subject: z.string().min(1).max(512).regex(/^[\x21-\x7E]+$/, "subject: printable ASCII without spaces"),
  })
  .strict()
  .superRefine((value, ctx) => {
    const issuers = getConfig().WORKLOAD_ISSUERS ?? [];
    const issuer = issuers.find((i) => i.name === value.issuer);
    if (!issuer) {
      const known = issuers.map((i) => i.name).join(", ");
      ctx.addIssue({ code: "custom", path: ["issuer"], message: known ? `issuer must be one of the configured workload issuers: ${known}` : "no workload issuers are configured (WORKLOAD_ISSUERS)" });
      return;
    }
    if (issuer.spiffe_trust_domain !== undefined && spiffeTrustDomain(value.subject) !== issuer.spiffe_trust_domain) {
      ctx.addIssue({ code: "custom", path: ["subject"], message: `subject must be a SPIFFE ID in ${issuer.spiffe_trust_domain} (spiffe://${issuer.spiffe_trust_domain}/...)` });
    }
  });

/** The columns of a workload identity as given (undefined: unchanged; null: removed). */
export function workloadColumns(value: z.output<typeof workloadIdentity> | null | undefined) {
  if (value === undefined) return {};
  return { workloadIssuer: value?.issuer ?? null, workloadSubject: value?.subject ?? null };
}
