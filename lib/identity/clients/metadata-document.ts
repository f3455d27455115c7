import { getConfig, type ClientMetadataSettings } from "@/lib/config";
import { getLogger } from "@/lib/observability/logger";
import { processSingleton } from "@/lib/process/singleton";
import { checkedAddresses, systemResolver, type HostResolver } from "./checked-addresses";
import { isHostAllowed, parseClientIdUrl } from "./client-id-url";
import { ExpiringCache } from "./expiring-cache";
import { ClientMetadataError } from "./metadata-error";
import { metadataDocumentSchema, type ClientMetadata } from "./metadata-schema";
import { pinnedGet } from "./pinned-get";

export { ClientMetadataError, type ClientMetadataReason } from "./metadata-error";
export type { ClientMetadata } from "./metadata-schema";
export type { HostResolver } from "./checked-addresses";
export type { ResolvedAddress } from "./pinned-get";

export type ClientMetadataFetcherOptions = {
  settings: ClientMetadataSettings;
  /** The system's resolver by default; tests answer for names of their own. */
  resolve?: HostResolver;
  /** Milliseconds since the epoch; cache expiry reads it (tests move it). */
  now?: () => number;
  /**
   * Trust anchors that replace the system's for the https connection. Tests only: they
   * serve a self-signed certificate on 127.0.0.1. fetchClientMetadata never sets it.
   */
  trustedCertificates?: readonly string[];
};

// Cache-Control max-age is honoured within these bounds: at least a minute, so a client
// cannot make Vigil fetch on every authorization request; at most a day, so a changed
// document (a removed redirect URI) is seen within a day.
const MIN_TTL_MS = 60_000;
const MAX_TTL_MS = 86_400_000;
const DEFAULT_TTL_MS = 3_600_000;
// A refused client is refused from memory this long: a broken or hostile client cannot
// make Vigil fetch in a loop, and a fixed one is accepted half a minute later.
const REFUSAL_TTL_MS = 30_000;
// 1000 documents of at most CLIENT_METADATA_MAX_BYTES each; refusals are kept apart so a
// flood of bad client_ids cannot push good clients out.
const CACHE_ENTRIES = 1000;

/** How long a fetched document is kept, from its Cache-Control header. */
function lifetimeMs(cacheControl: string | undefined): number {
  const directives = (cacheControl ?? "").toLowerCase().split(",").map((d) => d.trim());
  if (directives.includes("no-store") || directives.includes("no-cache")) return MIN_TTL_MS;
  const maxAge = directives.map((d) => /^max-age\s*=\s*"?(\d+)"?$/.exec(d)?.[1]).find((v) => v !== undefined);
  if (maxAge === undefined) return DEFAULT_TTL_MS;
  return Math.min(MAX_TTL_MS, Math.max(MIN_TTL_MS, Number(maxAge) * 1000));
}

/** The first problem of each field, three fields at most: enough to fix, short enough to read. */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const byField = new Map<string, string>();
  for (const issue of issues) {
    const field = issue.path.map(String).join(".") || "(document)";
    if (!byField.has(field)) byField.set(field, issue.message);
  }
  return [...byField].slice(0, 3).map(([field, message]) => `${field}: ${message}`).join("; ");
}

/**
 * Fetches, checks and caches client ID metadata documents. One per process in production
 * (fetchClientMetadata); tests build their own with a resolver, a clock and a certificate.
 */
export class ClientMetadataFetcher {
  private readonly documents = new ExpiringCache<ClientMetadata>(CACHE_ENTRIES);
  private readonly refusals = new ExpiringCache<ClientMetadataError>(CACHE_ENTRIES);
  private readonly inflight = new Map<string, Promise<ClientMetadata>>();
  private readonly resolve: HostResolver;
  private readonly now: () => number;

  constructor(private readonly options: ClientMetadataFetcherOptions) {
    this.resolve = options.resolve ?? systemResolver;
    this.now = options.now ?? Date.now;
  }

  get settings(): ClientMetadataSettings {
    return this.options.settings;
  }

  /** The checked document `clientId` names, or a ClientMetadataError saying why not. */
  async fetch(clientId: string): Promise<ClientMetadata> {
    const { enabled, hosts } = this.options.settings;
    if (!enabled) {
      throw new ClientMetadataError("disabled", "This Vigil does not accept URLs as client_id (CLIENT_METADATA_DOCUMENTS is off).");
    }
    // Checked before the caches: a URL Vigil would never fetch must not take a cache slot.
    const url = parseClientIdUrl(clientId);
    if (!isHostAllowed(url.hostname, hosts)) {
      throw new ClientMetadataError("host_not_allowed", `This Vigil does not fetch client metadata from ${url.hostname} (not on CLIENT_METADATA_HOSTS).`);
    }
    const now = this.now();
    const cached = this.documents.get(clientId, now);
    if (cached) return cached;
    const refused = this.refusals.get(clientId, now);
    if (refused) throw new ClientMetadataError(refused.reason, refused.message);
    const running = this.inflight.get(clientId);
    if (running) return running;
    const started = this.load(url, clientId).finally(() => this.inflight.delete(clientId));
    this.inflight.set(clientId, started);
    return started;
  }

  private async load(url: URL, clientId: string): Promise<ClientMetadata> {
    try {
      const deadline = AbortSignal.timeout(this.options.settings.timeoutMs);
      const addresses = await checkedAddresses(url, this.options.settings.hosts, this.resolve, deadline);
      const response = await pinnedGet(url, {
        addresses,
        deadline,
        maxBytes: this.options.settings.maxBytes,
        ca: this.options.trustedCertificates,
      });
      const metadata = Object.freeze(this.parse(response.body, clientId));
      this.documents.set(clientId, metadata, this.now() + lifetimeMs(response.cacheControl), this.now());
      return metadata;
    } catch (error) {
      if (error instanceof ClientMetadataError) {
        this.refusals.set(clientId, error, this.now() + REFUSAL_TTL_MS, this.now());
        getLogger().info({ client_id: clientId, reason: error.reason, err: error.message }, "client metadata document refused");
      }
      throw error;
    }
  }

  private parse(body: Buffer, clientId: string): ClientMetadata {
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
    } catch {
      throw new ClientMetadataError("invalid_json", "The client metadata document is not valid UTF-8 JSON.");
    }
    // The draft: the document's client_id must equal the URL, by simple string comparison.
    const named = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as { client_id?: unknown }).client_id : undefined;
    if (named !== clientId) {
      const shown = typeof named === "string" ? `"${named.slice(0, 200)}"` : "no client_id";
      throw new ClientMetadataError("client_id_mismatch", `The client metadata document names ${shown}, not the URL it was fetched from (${clientId}).`);
    }
    const parsed = metadataDocumentSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ClientMetadataError("invalid_document", `The client metadata document is not acceptable: ${describeIssues(parsed.error.issues)}.`);
    }
    return parsed.data;
  }
}

const slot = () => processSingleton("client-metadata", (): { fetcher?: ClientMetadataFetcher } => ({}));

/**
 * The checked client metadata document a URL client_id names, from memory when Vigil has
 * fetched it lately; otherwise a ClientMetadataError whose reason and message say why not.
 * One fetcher per process, rebuilt if the configuration is replaced (start-up, tests).
 */
export function fetchClientMetadata(clientId: string): Promise<ClientMetadata> {
  const settings = getConfig().clientMetadata;
  const s = slot();
  if (s.fetcher?.settings !== settings) s.fetcher = new ClientMetadataFetcher({ settings });
  return s.fetcher.fetch(clientId);
}
