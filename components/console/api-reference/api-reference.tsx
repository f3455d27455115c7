import { card, td, th } from "@/components/ui/styles";

type Schema = Record<string, unknown>;
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema; description?: string };
type Response = { description: string; content?: Record<string, unknown> };
type Operation = {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
};
export type OpenApiDocument = { info: { title: string; version: string }; tags: { name: string }[]; paths: Record<string, Record<string, Operation>> };

const METHOD_STYLE: Record<string, string> = {
  get: "border-accent text-accent",
  post: "border-ok text-ok",
  patch: "border-warn text-warn",
  delete: "border-danger text-danger",
};

function typeOf(schema: Schema | undefined): string {
  if (!schema) return "";
  if (Array.isArray(schema.enum)) return schema.enum.map(String).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).map(typeOf).join(" or ");
  const format = typeof schema.format === "string" ? ` (${schema.format})` : "";
  return `${typeof schema.type === "string" ? schema.type : "any"}${format}`;
}

function OperationView({ method, path, op }: { method: string; path: string; op: Operation }) {
  const body = op.requestBody ? Object.entries(op.requestBody.content) : [];
  return (
    <details id={op.operationId} className={`${card} group`}>
      <summary className="flex cursor-pointer flex-wrap items-baseline gap-2">
        <span className={`inline-block w-16 rounded border px-1.5 text-center font-mono text-xs font-semibold uppercase ${METHOD_STYLE[method] ?? "border-line text-muted"}`}>{method}</span>
        <code className="font-mono text-sm break-all">{path}</code>
        <span className="text-sm text-muted">{op.summary}</span>
      </summary>
      <div className="mt-3 space-y-3 text-sm">
        <p>{op.description}</p>
        {op.parameters?.length ? (
          <table className="w-full text-sm">
            <caption className="text-left font-medium">Parameters</caption>
            <thead>
              <tr>
                <th className={th} scope="col">Name</th>
                <th className={th} scope="col">In</th>
                <th className={th} scope="col">Type</th>
                <th className={th} scope="col">Required</th>
              </tr>
            </thead>
            <tbody>
              {op.parameters.map((p) => (
                <tr key={`${p.in}:${p.name}`} className="border-t border-line">
                  <td className={`${td} font-mono`}>{p.name}</td>
                  <td className={td}>{p.in}</td>
                  <td className={td}>
                    {typeOf(p.schema)}
                    {p.description ? <span className="block text-muted">{p.description}</span> : null}
                  </td>
                  <td className={td}>{p.required ? "yes" : "no"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {body.map(([type, { schema }]) => (
          <div key={type}>
            <p className="font-medium">
              Body <code className="font-mono text-muted">{type}</code>
            </p>
            <pre className="mt-1 max-h-96 overflow-auto rounded-md bg-surface-2 p-3 font-mono text-xs">{JSON.stringify(schema, null, 2)}</pre>
          </div>
        ))}
        <table className="w-full text-sm">
          <caption className="text-left font-medium">Responses</caption>
          <thead>
            <tr>
              <th className={th} scope="col">Status</th>
              <th className={th} scope="col">Meaning</th>
              <th className={th} scope="col">Content</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(op.responses).map(([status, r]) => (
              <tr key={status} className="border-t border-line">
                <td className={`${td} font-mono`}>{status}</td>
                <td className={td}>{r.description}</td>
                <td className={`${td} font-mono text-xs`}>{Object.keys(r.content ?? {}).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** The OpenAPI document as one page: tags, then each operation folded open on demand. */
export function ApiReference({ document }: { document: OpenApiDocument }) {
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, ops] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags[0] ?? "other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, op }]);
    }
  }
  return (
    <div className="space-y-8">
      <nav aria-label="API sections" className="flex flex-wrap gap-2 text-sm">
        {document.tags.map((t) => (
          <a key={t.name} href={`#tag-${t.name}`} className="rounded-md border border-line px-2 py-1 hover:border-accent">
            {t.name} ({byTag.get(t.name)?.length ?? 0})
          </a>
        ))}
      </nav>
      {document.tags.map((t) => (
        <section key={t.name} id={`tag-${t.name}`} aria-labelledby={`tag-${t.name}-title`} className="space-y-2">
          <h2 id={`tag-${t.name}-title`} className="text-lg font-semibold capitalize">
            {t.name}
          </h2>
          {(byTag.get(t.name) ?? []).map((o) => (
            <OperationView key={o.op.operationId} {...o} />
          ))}
        </section>
      ))}
    </div>
  );
}
