import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { describe, expect, it } from "vitest";
import { guardOf, mayApply } from "./guards";

const json = (text: string) => {
  const answer = cedar.policyToJson(text);
  if (answer.type !== "success") throw new Error(answer.errors[0]?.message);
  return answer.json;
};
const bot = { type: "Vigil::Agent", id: "a1", attrs: { name: "bot-1", owner: "ops" } };
const other = { type: "Vigil::Agent", id: "a2", attrs: { name: "bot-2", owner: "ops" } };
const person = { type: "Vigil::Person", id: "https://idp#p", attrs: { sub: "p" } };

// Leaving a policy out must never change a decision: only what makes it certainly false may.
describe("policy guards (which policies can apply to a principal and action)", () => {
  it.each([
    ["a top-level conjunct principal.name == literal narrows", 'permit (principal, action, resource) when { principal.name == "bot-1" && resource.method == "GET" };', "Call", { bot: true, other: false, person: false }],
    ["the literal on the left narrows too", 'permit (principal, action, resource) when { "bot-1" == principal.name };', "Call", { bot: true, other: false, person: false }],
    ["inside || it does not narrow", 'permit (principal, action, resource) when { principal.name == "bot-1" || resource.method == "GET" };', "Call", { bot: true, other: true, person: true }],
    ["under ! it does not narrow", 'permit (principal, action, resource) when { !(principal.name == "bot-1") };', "Call", { bot: true, other: true, person: true }],
    ["in unless it does not narrow", 'forbid (principal, action, resource) unless { principal.name == "bot-1" };', "Call", { bot: true, other: true, person: true }],
    ["in if-then-else it does not narrow", 'permit (principal, action, resource) when { if principal.name == "bot-1" then true else resource.method == "GET" };', "Call", { bot: true, other: true, person: true }],
    ["principal == names one", 'permit (principal == Vigil::Agent::"a1", action, resource);', "Call", { bot: true, other: false, person: false }],
    ["principal is a type", "permit (principal is Vigil::Person, action, resource);", "Call", { bot: false, other: false, person: true }],
    ["principal in a group does not narrow", 'permit (principal in Vigil::Owner::"ops", action, resource);', "Call", { bot: true, other: true, person: true }],
    ["an action scope narrows by action", 'permit (principal, action == Vigil::Action::"IssueToken", resource);', "Call", { bot: false, other: false, person: false }],
    ["an action list includes its members", 'permit (principal, action in [Vigil::Action::"Call", Vigil::Action::"IssueToken"], resource);', "Call", { bot: true, other: true, person: true }],
    ["a non-string comparison does not narrow", "permit (principal, action, resource) when { principal.name == 3 };", "Call", { bot: true, other: true, person: true }],
  ])("%s", (_what, text, action, expected) => {
    const guard = guardOf(json(text));
    expect({ bot: mayApply(guard, action, bot), other: mayApply(guard, action, other), person: mayApply(guard, action, person) }).toEqual(expected);
  });
});
