import { ApiReference, type OpenApiDocument } from "@/components/console/api-reference/api-reference";
import { PageHeader } from "@/components/ui/page-header";
import { link } from "@/components/ui/styles";
import { apiDescription } from "@/lib/http/api-description";

export const dynamic = "force-dynamic";
export const metadata = { title: "API reference" };

/**
 * The OpenAPI document rendered on the server: no script, no CDN, nothing to load but the
 * page. The same document is public at /api/openapi.json for tools (and openapi.json in the repo).
 */
export default function ApiReferencePage() {
  return (
    <>
      <PageHeader
        title="API reference"
        lead={
          <>
            Every route of Vigil&apos;s API, generated from its route table: who may call it, its parameters and body, and its errors. For tools:{" "}
            <a className={link} href="/api/openapi.json">
              /api/openapi.json
            </a>{" "}
            (OpenAPI 3.1).
          </>
        }
      />
      <ApiReference document={apiDescription() as unknown as OpenApiDocument} />
    </>
  );
}
