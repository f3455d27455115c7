import type { Page } from "@playwright/test";
import { adminToken, agentWithCredential, api, tokenFor } from "../support/client";
import { env, expect, GITOPS_SET, nav, signIn, snap, test } from "./fixtures";

/*
 * The browser suite shares one Vigil: every set here is for an audience of its own (no other
 * spec mints tokens for it) and stays in shadow mode, so nothing another spec relies on is
 * ever refused.
 */
const unique = () => Math.random().toString(36).slice(2, 8);

const ISSUE = `@id("issue-tokens")
permit (principal is Vigil::Agent, action == Vigil::Action::"IssueToken", resource)
when { principal.owner == "e2e" };
`;
const CALLS = (attribute: string) => `
@id("e2e-calls")
permit (principal is Vigil::Agent, action == Vigil::Action::"Call", resource)
when { principal.${attribute} == "e2e" };
`;
const NO_DELETES = `
@id("no-deletes")
forbid (principal, action == Vigil::Action::"Call", resource)
when { resource.method == "DELETE" };
`;

async function openPolicies(page: Page) {
  await nav(page, "Policies").click();
  await expect(page.getByRole("heading", { name: "Policies", level: 1 })).toBeVisible();
  // Client components: act on them only once React has attached its handlers.
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "policies");
}

async function ask(page: Page, method: string) {
  const whatIf = page.getByTestId("what-if");
  await whatIf.getByLabel("Method").selectOption(method);
  await whatIf.getByRole("button", { name: "Ask" }).click();
  return whatIf.getByTestId("what-if-answer");
}

test.describe("policies", () => {
  test.use({ colorScheme: "dark" });

  test("an admin writes a set with live validation, saves two versions, asks what-if, compares versions, rolls back and sees shadow refusals", async ({ page }) => {
    test.setTimeout(120_000);
    const base = env("E2E_VIGIL");
    const id = unique();
    const name = `console-e2e-${id}`;
    const audience = `https://policies-e2e-${id}.example.com/`;
    // Known to the page's agent list, so created before it renders.
    const insider = await agentWithCredential(base, { name: `policy insider ${id}`, owner: "e2e", allowed_resources: [audience] });
    const outsider = await agentWithCredential(base, { name: `policy outsider ${id}`, owner: "outsider", allowed_resources: [audience] });

    await signIn(page, "admin-ada", "admin");
    await openPolicies(page);
    await page.getByRole("button", { name: "New policy set" }).click();
    const editor = page.getByTestId("policy-editor");
    await expect(editor.getByRole("heading", { name: "New policy set" })).toBeVisible();
    await editor.getByLabel("Name").fill(name);
    await editor.getByLabel("Audience").fill(audience);
    await expect(editor.getByLabel("Mode")).toHaveValue("shadow");
    await editor.getByLabel("Route templates").fill("/api/tenants/{tenant}/invoices");

    // A typo in an attribute: marked at its line (7) as it is typed, with line:column and the engine's words.
    const text = editor.getByLabel("Policy text");
    await text.fill(ISSUE + CALLS("ownr"));
    await expect(editor.getByTestId("problem-marker")).toHaveAttribute("data-line", "7");
    await expect(editor.getByTestId("policy-problem")).toHaveCount(1);
    await expect(editor.getByTestId("policy-problem")).toContainText(/^7:8 .*ownr/);
    await expect(text).toHaveAttribute("aria-invalid", "true");
    await expect(editor.getByTestId("cedar-highlight").locator('[data-line="7"]')).toHaveClass(/decoration-wavy/);
    // The coloured copy under the textarea: keywords, entity references, annotations.
    const highlight = editor.getByTestId("cedar-highlight");
    await expect(highlight.locator('[data-token="keyword"]').first()).toHaveText("permit");
    await expect(highlight.locator('[data-token="entity"]').first()).toHaveText('Vigil::Action::"IssueToken"');
    await expect(highlight.locator('[data-token="annotation"]').first()).toHaveText("@id");
    await snap(page, "policies-invalid");

    // Fixed: the marker and the problem go, and the policies are named.
    await text.fill(ISSUE + CALLS("owner"));
    await expect(editor.getByTestId("policy-valid")).toContainText("issue-tokens, e2e-calls");
    await expect(editor.getByTestId("problem-marker")).toHaveCount(0);
    await expect(editor.getByTestId("policy-problem")).toHaveCount(0);
    await expect(text).toHaveAttribute("aria-invalid", "false");

    await editor.getByLabel("Comment").fill("e2e agents only");
    await editor.getByRole("button", { name: "Create set" }).click();
    await expect(editor.getByTestId("save-done")).toContainText(`Saved ${name} as version 1`);
    const row = page.getByTestId("policy-set-row").filter({ hasText: name });
    await expect(row).toContainText(audience);
    await expect(row).toContainText("shadow");
    await expect(row).toContainText("issue-tokens e2e-calls");
    await expect(row.getByTestId("policy-set-version")).toHaveText("1");
    await expect(editor.getByRole("heading", { name: `Policy set ${name}` })).toBeVisible();

    // Version 2: no deletes.
    await text.fill(ISSUE + CALLS("owner") + NO_DELETES);
    await expect(editor.getByTestId("policy-valid")).toContainText("issue-tokens, e2e-calls, no-deletes");
    await editor.getByLabel("Comment").fill("no deletes");
    await editor.getByRole("button", { name: "Save new version" }).click();
    await expect(editor.getByTestId("save-done")).toContainText(`Saved ${name} as version 2`);
    await expect(row.getByTestId("policy-set-version")).toHaveText("2");
    await snap(page, "policies-saved");

    // What if: the saved set, for the insider agent.
    const whatIf = page.getByTestId("what-if");
    await whatIf.getByLabel(`The saved set (${name})`).check();
    await whatIf.getByLabel("Agent", { exact: true }).selectOption({ label: `policy insider ${id}` });
    await whatIf.getByLabel("Path").fill("/api/tenants/42/invoices");
    const answer = await ask(page, "DELETE");
    await expect(answer.getByTestId("what-if-decision")).toHaveText("deny");
    await expect(answer.getByTestId("what-if-policies")).toHaveText("no-deletes");
    await expect(answer).toContainText("/api/tenants/{tenant}/invoices");
    await ask(page, "GET");
    await expect(answer.getByTestId("what-if-decision")).toHaveText("allow");
    await expect(answer.getByTestId("what-if-policies")).toHaveText("e2e-calls");
    // The draft in the editor is asked as it stands, unsaved.
    await text.fill(ISSUE + CALLS("owner").replace("permit", "forbid"));
    await whatIf.getByLabel("The draft in the editor").check();
    await ask(page, "GET");
    await expect(answer.getByTestId("what-if-decision")).toHaveText("deny");
    await expect(answer.getByTestId("what-if-policies")).toHaveText("e2e-calls");
    await snap(page, "policies-what-if");

    // The diff between the two versions: the newest against the one before by default.
    const diff = page.getByTestId("version-diff");
    await expect(diff.getByLabel("From version", { exact: true })).toHaveValue("1");
    await expect(diff.getByLabel("To version", { exact: true })).toHaveValue("2");
    await expect(diff.locator('[data-sign="added"]')).toContainText(['@id("no-deletes")', "forbid (principal, action", 'when { resource.method == "DELETE" };']);
    await expect(diff.locator('[data-sign="removed"]')).toHaveCount(0);
    await diff.getByLabel("From version", { exact: true }).selectOption("2");
    await diff.getByLabel("To version", { exact: true }).selectOption("1");
    await expect(diff.locator('[data-sign="removed"]')).toContainText(['@id("no-deletes")']);
    await expect(diff.locator('[data-sign="added"]')).toHaveCount(0);
    await snap(page, "policies-diff");

    // Rollback to version 1, behind the confirmation: the old text is current, as version 3.
    await page.getByTestId("version-row").filter({ hasText: "e2e agents only" }).getByRole("button", { name: "Roll back to 1" }).click();
    const dialog = page.getByRole("dialog", { name: `Roll ${name} back to version 1?` });
    await expect(dialog).toContainText("become current again as version 3");
    await dialog.getByRole("button", { name: "Roll back", exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(row.getByTestId("policy-set-version")).toHaveText("3");
    await expect(editor.getByRole("heading", { name: `Policy set ${name}` })).toContainText("editing from version 3");
    await expect(text).toHaveValue(ISSUE + CALLS("owner"));
    const current = page.getByTestId("version-row").filter({ has: page.getByTestId("current-version") });
    await expect(current).toHaveAttribute("data-version", "3");
    await expect(current).toContainText("rollback to version 1");
    await expect(diff.getByLabel("To version", { exact: true })).toHaveValue("3");
    await expect(diff.locator('[data-sign="removed"]')).toContainText(['@id("no-deletes")']);
    await whatIf.getByLabel(`The saved set (${name})`).check();
    await ask(page, "DELETE");
    await expect(answer.getByTestId("what-if-decision")).toHaveText("allow");
    await expect(answer.getByTestId("what-if-policies")).toHaveText("e2e-calls");
    await snap(page, "policies-rolled-back");

    // Shadow mode: the outsider's token is still issued, and the refusal enforcing would have made is recorded.
    await tokenFor(base, outsider.clientId, outsider.secret, { resource: audience });
    await tokenFor(base, insider.clientId, insider.secret, { resource: audience });
    const admin = api(base, await adminToken(base));
    const query = `kind=policy.denied meta.set="${name}" meta.enforced=false`;
    await expect.poll(async () => ((await admin("GET", `/api/v1/audit?q=${encodeURIComponent(query)}`)).json.events as unknown[]).length).toBe(1);
    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "policies");
    await row.getByRole("button", { name }).click();
    const shadow = page.getByTestId("shadow-row");
    await expect(shadow).toHaveCount(1);
    await expect(shadow).toContainText(`Vigil::Agent::${outsider.id}`);
    await expect(shadow).toContainText("IssueToken");
    await expect(shadow).toContainText("no-permit");
    await snap(page, "policies-shadow");
  });

  test("a change saved meanwhile by someone else is a conflict shown in the editor, not a lost change; an unknown entity type is marked at its line", async ({ page }) => {
    const base = env("E2E_VIGIL");
    const id = unique();
    const name = `conflict-e2e-${id}`;
    const admin = api(base, await adminToken(base));
    const body = { audience: `https://policies-conflict-${id}.example.com/`, mode: "shadow", text: ISSUE, comment: "first" };
    expect((await admin("POST", `/api/v1/policies/${name}/versions`, body)).status).toBe(201);

    await signIn(page, "admin-ada", "admin");
    await openPolicies(page);
    await page.getByTestId("policy-set-row").filter({ hasText: name }).getByRole("button", { name }).click();
    const editor = page.getByTestId("policy-editor");
    await expect(editor.getByRole("heading", { name: `Policy set ${name}` })).toContainText("editing from version 1");
    const text = editor.getByLabel("Policy text");
    await expect(editor.getByTestId("policy-valid")).toContainText("issue-tokens");

    await text.fill(`${ISSUE}\n@id("robots")\npermit (principal is Vigil::Robot, action, resource);\n`);
    await expect(editor.getByTestId("problem-marker")).toHaveAttribute("data-line", "6");
    await expect(editor.getByTestId("policy-problem").first()).toContainText(/^6:\d+ .*Robot/);
    await text.fill(ISSUE + NO_DELETES);
    await expect(editor.getByTestId("problem-marker")).toHaveCount(0);
    await expect(editor.getByTestId("policy-valid")).toContainText("issue-tokens, no-deletes");

    // Someone else saves version 2 while this editor still holds version 1.
    expect((await admin("POST", `/api/v1/policies/${name}/versions`, { ...body, comment: "meanwhile", base_version: 1 })).status).toBe(201);
    await editor.getByLabel("Comment").fill("mine");
    await editor.getByRole("button", { name: "Save new version" }).click();
    await expect(editor.getByTestId("save-error")).toContainText(`Policy set ${name} is at version 2, not 1`);
    await expect(editor.getByTestId("save-done")).toHaveCount(0);
    await expect(editor.getByTestId("newer-version")).toContainText("Version 2 was saved after you opened this set");
    // Nothing of the draft was saved.
    const after = await admin("GET", `/api/v1/policies/${name}`);
    expect(after.json).toMatchObject({ version: 2, text: ISSUE });
    // Opened again, the editor starts from the newer version.
    await page.getByTestId("policy-set-row").filter({ hasText: name }).getByRole("button", { name }).click();
    await expect(editor.getByRole("heading", { name: `Policy set ${name}` })).toContainText("editing from version 2");
    await expect(editor.getByTestId("newer-version")).toHaveCount(0);
    await expect(text).toHaveValue(ISSUE);
    await snap(page, "policies-conflict");
  });

  test("a viewer reads sets, versions and what-if, with no way to save, create or roll back", async ({ page }) => {
    const base = env("E2E_VIGIL");
    const id = unique();
    const name = `viewer-e2e-${id}`;
    const admin = api(base, await adminToken(base));
    const body = { audience: `https://policies-viewer-${id}.example.com/`, mode: "shadow", text: ISSUE, comment: "first" };
    expect((await admin("POST", `/api/v1/policies/${name}/versions`, body)).status).toBe(201);
    expect((await admin("POST", `/api/v1/policies/${name}/versions`, { ...body, text: ISSUE + NO_DELETES, comment: "second" })).status).toBe(201);

    await signIn(page, "viewer-vera", "viewer");
    await openPolicies(page);
    await expect(page.getByRole("button", { name: "New policy set" })).toHaveCount(0);
    await page.getByTestId("policy-set-row").filter({ hasText: name }).getByRole("button", { name }).click();
    const editor = page.getByTestId("policy-editor");
    await expect(editor.getByLabel("Policy text")).toHaveValue(ISSUE + NO_DELETES);
    await expect(editor.getByTestId("policy-valid")).toContainText("issue-tokens, no-deletes");
    await expect(page.getByTestId("version-row")).toHaveCount(2);
    await expect(page.getByTestId("version-diff").locator('[data-sign="added"]')).toContainText(['@id("no-deletes")']);
    for (const button of ["Save new version", "Create set", "Roll back to 1"]) await expect(page.getByRole("button", { name: button })).toHaveCount(0);
    // What-if is a question, open to readers: a person asking for a token is not permitted by this set.
    const whatIf = page.getByTestId("what-if");
    await whatIf.getByLabel("Principal").selectOption("person");
    await whatIf.getByLabel("Person's issuer").fill("https://idp.example.com");
    await whatIf.getByLabel("Person's subject").fill("vera");
    await whatIf.getByLabel("Action").selectOption("IssueToken");
    await whatIf.getByRole("button", { name: "Ask" }).click();
    await expect(whatIf.getByTestId("what-if-decision")).toHaveText("deny");
    await expect(whatIf.getByTestId("what-if-policies")).toHaveText("no policy permitted it (default deny)");
    await expect(editor.getByLabel("Comment")).toHaveCount(0);
    await snap(page, "policies-viewer");
  });

  test("a set from POLICY_DIR is read-only, even for an admin, and says where it is changed", async ({ page }) => {
    await signIn(page, "admin-ada", "admin");
    await openPolicies(page);
    const row = page.getByTestId("policy-set-row").filter({ hasText: GITOPS_SET });
    await expect(row).toContainText("directory");
    await row.getByRole("button", { name: GITOPS_SET }).click();
    const editor = page.getByTestId("policy-editor");
    await expect(editor.getByTestId("directory-note")).toContainText("Managed in POLICY_DIR");
    // The file's policy and the one its scope map generated.
    await expect(editor.getByTestId("policy-valid")).toContainText("gitops-tokens, scopes:GET /reports/{id}");
    for (const button of ["Save new version", "Roll back to 1"]) await expect(page.getByRole("button", { name: button })).toHaveCount(0);
  });
});
