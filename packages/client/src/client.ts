import { OPS } from "./operations";
import { tailAudit, type TailOptions } from "./tail";
import { Transport, type ClientOptions } from "./transport";
import type {
  Agent,
  AgentList,
  AgentListQuery,
  AuditPage,
  AuditQuery,
  AutohealStatus,
  AutohealSwitches,
  CheckpointPage,
  Credential,
  CredentialWithSecret,
  ExportFormat,
  IssuerMetadata,
  Jwks,
  NewAgent,
  RotatedKey,
  SigningKey,
  Silence,
  SilenceList,
  TokenResponse,
  VerifyReport,
} from "./types";

const basic = (id: string, secret: string) =>
  // RFC 6749 §2.3.1: form-urlencode each part before joining them.
  `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

/** Typed calls to Vigil's API. Every method maps to one entry of OPS. */
export class VigilClient {
  readonly transport: Transport;

  constructor(options: ClientOptions) {
    this.transport = new Transport(options);
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  // --- public endpoints

  health = () => this.transport.json<{ status: string } & Record<string, unknown>>(OPS.health, { auth: false });
  /** Resolves when ready; a 503 throws (ProblemError or HttpError) with the reason. */
  ready = () => this.transport.json<Record<string, unknown>>(OPS.ready, { auth: false });
  discovery = () => this.transport.json<IssuerMetadata>(OPS.discovery, { auth: false });
  jwks = () => this.transport.json<Jwks>(OPS.jwks, { auth: false });

  /** client_credentials (RFC 6749 §4.4) with client_secret_basic. */
  token = (clientId: string, clientSecret: string, scope?: string) =>
    this.transport.json<TokenResponse>(OPS.token, {
      auth: false,
      headers: { authorization: basic(clientId, clientSecret) },
      form: { grant_type: "client_credentials", ...(scope ? { scope } : {}) },
    });

  /**
   * A public client's token request (authorization_code with its PKCE verifier, or
   * refresh_token): no secret, `client_id` in the form.
   */
  publicToken = (form: Record<string, string>) => this.transport.json<TokenResponse & { refresh_token?: string }>(OPS.token, { auth: false, form });

  // --- agents and their credentials

  agents = {
    list: (query: AgentListQuery = {}) => this.transport.json<AgentList>(OPS.listAgents, { query }),
    create: (input: NewAgent) => this.transport.json<Agent>(OPS.createAgent, { json: input }),
    get: (id: string) => this.transport.json<Agent>(OPS.getAgent, { params: { id } }),
    suspend: (id: string) => this.transport.json<Agent>(OPS.suspendAgent, { params: { id } }),
    reactivate: (id: string) => this.transport.json<Agent>(OPS.reactivateAgent, { params: { id } }),
    decommission: (id: string) => this.transport.json<Agent>(OPS.decommissionAgent, { params: { id } }),
  };

  credentials = {
    list: (agentId: string) => this.transport.json<{ credentials: Credential[] }>(OPS.listCredentials, { params: { id: agentId } }),
    generate: (agentId: string, options: { secret?: boolean } = {}) =>
      this.transport.json<CredentialWithSecret>(OPS.generateCredential, { params: { id: agentId }, json: options }),
    rotate: (agentId: string, credentialId: string, options: { grace_seconds?: number } = {}) =>
      this.transport.json<CredentialWithSecret>(OPS.rotateCredential, { params: { id: agentId, credentialId }, json: options }),
    revoke: (agentId: string, credentialId: string) =>
      this.transport.json<Credential>(OPS.revokeCredential, { params: { id: agentId, credentialId } }),
  };

  keys = {
    list: () => this.transport.json<{ keys: SigningKey[] }>(OPS.listKeys),
    rotate: (options: { alg?: "RS256" | "ES256" | "EdDSA"; delay_seconds?: number } = {}) => this.transport.json<RotatedKey>(OPS.rotateKey, { json: options }),
  };

  // --- the audit log

  audit = {
    /** One page, newest first; follow `next_cursor` for the next. */
    query: (query: AuditQuery = {}, signal?: AbortSignal) => this.transport.json<AuditPage>(OPS.queryAudit, { query, signal }),
    /** The whole range as NDJSON or CSV, streamed as the server reads it (newest first). */
    export: async (format: ExportFormat, query: Omit<AuditQuery, "n" | "cursor"> = {}, signal?: AbortSignal) => {
      const response = await this.transport.send(OPS.queryAudit, { query: { ...query, format }, signal, headers: { accept: format === "csv" ? "text/csv" : "application/x-ndjson" } });
      if (!response.body) throw new TypeError("the export answered without a body");
      return response.body;
    },
    tail: (options: TailOptions = {}) => tailAudit(this.transport, options),
    verify: (range: { since?: string; until?: string } = {}, signal?: AbortSignal) => this.transport.json<VerifyReport>(OPS.verifyAudit, { query: range, signal }),
    checkpoints: (query: { n?: number; cursor?: string } = {}) => this.transport.json<CheckpointPage>(OPS.listCheckpoints, { query }),
  };

  // --- autoheal

  autoheal = {
    status: () => this.transport.json<AutohealStatus>(OPS.autohealStatus),
    set: (switches: AutohealSwitches) => this.transport.json<AutohealStatus>(OPS.toggleAutoheal, { json: switches }),
  };

  silences = {
    list: (query: { state?: Silence["state"] } = {}) => this.transport.json<SilenceList>(OPS.listSilences, { query }),
    /** Expires it now; answers with the silence as it is after. */
    expire: (id: string) => this.transport.json<Silence>(OPS.expireSilence, { params: { id } }),
  };
}
