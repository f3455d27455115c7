import Link from "next/link";
import type { ReactNode } from "react";
import { link } from "@/components/ui/styles";
import type { FirstRunGuide } from "@/lib/console/first-run";
import { CopyButton } from "../copy-button";

function Snippet({ title, text }: { title: string; text: string }) {
  return (
    <div className="mt-3 overflow-hidden rounded-md border border-line">
      <div className="flex items-center justify-between gap-2 border-b border-line bg-surface-2 px-3 py-1.5">
        <span className="text-xs font-medium text-muted">{title}</span>
        <CopyButton text={text} what={title} />
      </div>
      <pre tabIndex={0} className="overflow-x-auto bg-bg p-3 text-xs leading-relaxed" data-testid="snippet">
        <code>{text}</code>
      </pre>
    </div>
  );
}

function Step({ n, title, children }: { n: number; title: string; children: ReactNode }) {
  return (
    <li className="rounded-lg border border-line bg-surface p-4" data-testid="first-run-step">
      <h3 className="font-semibold">
        <span className="mr-2 inline-flex size-6 items-center justify-center rounded-full bg-accent text-sm text-on-accent" aria-hidden="true">
          {n}
        </span>
        {title}
      </h3>
      <div className="mt-2 text-sm text-muted">{children}</div>
    </li>
  );
}

const agentCommand = (g: FirstRunGuide) => `# an admin token (the bootstrap admin client, VIGIL_BOOTSTRAP_ADMIN_SECRET)
ADMIN=$(curl -s -u "vigil-admin:$VIGIL_BOOTSTRAP_ADMIN_SECRET" -d grant_type=client_credentials \\
  ${g.tokenUrl} | jq -r .access_token)

# register the agent, then generate its credential (the secret is shown once)
AGENT=$(curl -s -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \\
  -d '{"name":"billing-bot","email":"billing-bot@example.com","owner":"payments","deployment_env":"production","allowed_scopes":["invoices:read"]}' \\
  ${g.base}/api/v1/agents | jq -r .id)
curl -s -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{}' \\
  ${g.base}/api/v1/agents/$AGENT/credentials`;

const nginxSnippet = (g: FirstRunGuide) => `# inside http { }: every request to this server is checked by Vigil first
server {
    listen 8000;

    auth_request /_vigil_auth;
    auth_request_set $vigil_user_id $upstream_http_x_user_id;
    auth_request_set $vigil_scopes  $upstream_http_x_scopes;

    location = /_vigil_auth {
        internal;
        proxy_pass ${g.validateUrl};
        proxy_ssl_server_name on;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-URI $request_uri;
        proxy_set_header X-Original-Method $request_method;
    }

    location / {
        # Replaces whatever the client sent: a forged X-User-Id never reaches the service.
        proxy_set_header X-User-Id $vigil_user_id;
        proxy_set_header X-Scopes  $vigil_scopes;
        proxy_pass http://127.0.0.1:8080;   # your service
    }
}`;

const alertmanagerSnippet = (g: FirstRunGuide) => {
  const auth =
    g.alertAuth === "basic"
      ? `        http_config:
          basic_auth: { username: <AUTOHEAL_ALERT_BASIC's user>, password_file: /etc/alertmanager/vigil-password }`
      : `        http_config:
          # the file holds the value of Vigil's AUTOHEAL_ALERT_TOKEN
          authorization: { type: Bearer, credentials_file: /etc/alertmanager/vigil-token }`;
  return `# alertmanager.yml
route:
  receiver: vigil
receivers:
  - name: vigil
    webhook_configs:
      - url: ${g.alertUrl}
        send_resolved: true
        max_alerts: 1000
${auth}`;
};

/**
 * The overview before the first agent: the three things that make Vigil useful, each with a
 * snippet filled in with this instance's URLs. It gives way to the usual overview as soon
 * as an agent exists.
 */
export function FirstRun({ guide }: { guide: FirstRunGuide }) {
  return (
    <section aria-labelledby="first-run" className="mb-8" data-testid="first-run">
      <h2 id="first-run" className="text-lg font-semibold">
        Get started
      </h2>
      <p className="mt-1 text-sm text-muted">
        No agents yet. Three steps connect Vigil to the rest of your systems; each snippet already names this instance (<span className="font-mono">{guide.base}</span>).
      </p>
      <ol className="mt-4 grid gap-4">
        <Step n={1} title="Create an agent">
          An agent is a workload that gets its own identity and short-lived tokens.{" "}
          <Link className={link} href="/agents">
            Create one on the Agents page
          </Link>
          , or with the API:
          <Snippet title="Register an agent with curl" text={agentCommand(guide)} />
        </Step>
        <Step n={2} title="Connect a gateway">
          Put nginx in front of a service and let Vigil check every request&apos;s token (<code className="font-mono">auth_request</code> against{" "}
          <span className="font-mono">{guide.validateUrl}</span>). The service receives the caller&apos;s identity in headers. The full version, with rate limits and
          DPoP, is <code className="font-mono">deploy/nginx/vigil-gateway.conf</code>.
          <Snippet title="nginx gateway configuration" text={nginxSnippet(guide)} />
        </Step>
        <Step n={3} title="Point Alertmanager at Vigil">
          Alertmanager&apos;s webhooks go to <span className="font-mono">{guide.alertUrl}</span>; Vigil records every alert and runs the rules in{" "}
          <code className="font-mono">AUTOHEAL_RULES</code>.{" "}
          {guide.alertAuth === "none" ? (
            <strong className="text-warn">Set AUTOHEAL_ALERT_TOKEN (or AUTOHEAL_ALERT_BASIC) on Vigil first: without it every webhook is refused.</strong>
          ) : null}
          {guide.alertmanagerUrl ? null : <> Set ALERTMANAGER_URL too, so operators can acknowledge alerts with silences.</>}
          <Snippet title="Alertmanager receiver configuration" text={alertmanagerSnippet(guide)} />
        </Step>
      </ol>
    </section>
  );
}
