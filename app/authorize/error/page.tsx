import Link from "next/link";
import { errorReason } from "@/components/authorize/error-reasons";
import { card, link } from "@/components/ui/styles";

export const dynamic = "force-dynamic";
export const metadata = { title: "Authorization refused", robots: { index: false } };

/**
 * Where the authorization endpoint sends a request it cannot trust to its redirect (an
 * unknown or inactive client, an unregistered or missing redirect_uri): RFC 6749 §4.1.2.1
 * forbids redirecting those to the client. Public: whoever was sent here is told why.
 */
export default async function AuthorizeErrorPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { reason } = await searchParams;
  const text = errorReason(reason);
  return (
    <section aria-labelledby="refused" className={`${card} space-y-3`} data-testid="authorize-error" data-reason={text.code ?? "unknown"}>
      <p className="text-sm font-medium text-danger">Authorization refused</p>
      <h1 id="refused" className="text-2xl font-semibold tracking-tight">
        {text.title}
      </h1>
      <p>{text.what}</p>
      <h2 className="pt-2 font-semibold">What to do</h2>
      <p>{text.todo}</p>
      <p className="text-sm text-muted">
        Nothing was shared with the agent. You can close this tab, or go to the{" "}
        <Link className={link} href="/">
          Vigil console
        </Link>
        .
      </p>
    </section>
  );
}
