import { readFileSync } from "node:fs";
import path from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { version } from "@/package.json";
import { openApiDocument, openApiPath } from "./openapi";
import { routes } from "./routes";

type Operation = { operationId: string; security: Record<string, string[]>[]; "x-vigil-auth": unknown; parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> };
const generated = openApiDocument(routes, { version }) as { paths: Record<string, Record<string, Operation>> };
const op = (method: string, p: string) => generated.paths[openApiPath(p)]?.[method.toLowerCase()];

describe("the OpenAPI document", () => {
  it("is what the committed openapi.json holds (npm run openapi regenerates it)", () => {
    const committed = JSON.parse(readFileSync(path.join(process.cwd(), "openapi.json"), "utf8")) as unknown;
    expect(committed).toEqual(generated);
  });

  it("is valid OpenAPI 3.1 for a real validator (swagger-parser)", async () => {
    const api = await SwaggerParser.validate(structuredClone(generated) as never);
    expect((api as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("has a unique operationId per route", () => {
    const ids = routes.map((r) => op(r.method, r.path)?.operationId);
    expect(new Set(ids).size).toBe(routes.length);
  });

  describe.each(routes.map((r) => ({ name: `${r.method} ${r.path}`, r })))("$name", ({ r }) => {
    it("declares its input as a zod schema the document shows", () => {
      expect(r.input).toBeInstanceOf(z.ZodType);
      expect(() => z.toJSONSchema(r.input, { io: "input", unrepresentable: "any" })).not.toThrow();
    });

    it("is described with the table's auth, path parameters and body", () => {
      const o = op(r.method, r.path);
      expect(o, "missing from the document").toBeDefined();
      if (!o) return;
      expect(o["x-vigil-auth"]).toEqual(r.auth);
      if ("public" in r.auth) expect(o.security).toEqual([]);
      if ("scope" in r.auth) expect(o.security[0]?.vigilToken).toEqual([r.auth.scope].flat());
      if ("client" in r.auth) expect(o.security).toEqual([{ clientSecretBasic: [] }]);
      const names = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]);
      expect((o.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name)).toEqual(names);
      const kinds = [r.body ?? "none"].flat().filter((k) => k !== "none");
      expect(Object.keys(o.requestBody?.content ?? {}).sort()).toEqual(kinds.map((k) => (k === "json" ? "application/json" : "application/x-www-form-urlencoded")).sort());
      // Errors: RFC 6749's shape on the OAuth endpoints, problem details everywhere else.
      const errorTypes = Object.entries(o.responses)
        .filter(([status]) => status === "default" || Number(status) >= 400)
        .flatMap(([, res]) => Object.keys((res as { content?: object }).content ?? {}));
      if (r.oauth) expect(errorTypes).toContain("application/json");
      expect(errorTypes).toContain("application/problem+json");
    });
  });
});
