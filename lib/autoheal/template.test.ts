import { describe, expect, it } from "vitest";
import { TemplateError } from "./errors";
import { compileTemplate, renderTemplate, templateVars } from "./template";
import { firingAlert } from "@/lib/testing/autoheal-target";

const vars = templateVars(firingAlert({ "app.kubernetes.io/name": "shop", trick: "{{ annotations.secret }}" }), "restart-web");

describe("templates", () => {
  it("substitute names, labels and annotations, with missing ones as empty text", () => {
    const t = compileTemplate("{{rule}}: {{ alertname }}/{{ status }} {{labels.service}} {{ labels.app.kubernetes.io/name }} [{{ labels.nope }}] {{ annotations.summary }}");
    expect(renderTemplate(t, vars)).toBe("restart-web: TcpEndpointDownFast/firing checkout shop [] Endpoint checkout:443 down");
    expect(renderTemplate(compileTemplate("{{ fingerprint }} {{ startsAt }}"), vars)).toBe("d5db401eb9dec650 2026-11-24T02:59:20.757Z");
  });

  it("never read a substituted value as a template, and encode only the values", () => {
    const t = compileTemplate("/x/{{ labels.trick }}?a={{ labels.service }}");
    expect(renderTemplate(t, vars)).toBe("/x/{{ annotations.secret }}?a=checkout");
    expect(renderTemplate(t, vars, encodeURIComponent)).toBe("/x/%7B%7B%20annotations.secret%20%7D%7D?a=checkout");
  });

  it("does not read inherited properties as labels", () => {
    expect(renderTemplate(compileTemplate("[{{ labels.constructor }}][{{ labels.__proto__ }}]"), vars)).toBe("[][]");
  });

  it.each([
    ["{{ process.env.SECRET }}", /unknown template name "\{\{ process\.env\.SECRET \}\}"/],
    ["{{ labels }}", /unknown template name/],
    ["{{ labels. }}", /unknown template name/],
    ["{{ alertname | upper }}", /unknown template name/],
    ["{{ labels.a", /unbalanced/],
    ["labels.a }}", /unbalanced/],
    ["{{ {{ alertname }} }}", /unbalanced|unknown/],
  ])("refuses %j when the rules load", (source, message) => {
    expect(() => compileTemplate(source)).toThrow(TemplateError);
    expect(() => compileTemplate(source)).toThrow(message);
  });
});
