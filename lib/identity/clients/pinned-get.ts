import type { LookupFunction } from "node:net";
import { request } from "node:https";
import { ClientMetadataError } from "./metadata-error";

export type ResolvedAddress = { address: string; family: 4 | 6 };

export type PinnedGetOptions = {
  /** Addresses already checked against the address policy: the only ones connected to. */
  addresses: readonly ResolvedAddress[];
  /** Aborts connecting and reading; its firing is reported as "timeout". */
  deadline: AbortSignal;
  maxBytes: number;
  /** Trust anchors replacing the system's. Tests only (a self-signed certificate). */
  ca?: readonly string[];
};

export type PinnedResponse = { body: Buffer; cacheControl: string | undefined };

// application/json, or a more specific application/<x>+json (as the draft allows), with parameters.
const JSON_TYPE = /^application\/([a-z0-9!#$&^_.-]+\+)?json\s*(;|$)/i;

/**
 * A lookup that answers only with the addresses already checked. Node calls it when it
 * connects by name, so TLS (SNI, certificate check) and the Host header keep the name
 * while the socket goes to an address Vigil checked: a DNS answer that changes between
 * the check and the connection (rebinding) is never asked for. IP literals skip lookup.
 */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const [first] = addresses;
    if (options.all) callback(null, addresses.map((a) => ({ ...a })));
    else if (first) callback(null, first.address, first.family);
    else callback(Object.assign(new Error("no checked address"), { code: "ENOTFOUND" }), "", 4);
  };
}

/**
 * GET `url` over https from the checked addresses: never follows a redirect, reads at most
 * `maxBytes` whatever Content-Length says, and gives up when `deadline` fires. Every
 * failure is a ClientMetadataError naming what went wrong.
 */
export function pinnedGet(url: URL, options: PinnedGetOptions): Promise<PinnedResponse> {
  const { deadline, maxBytes } = options;
  return new Promise((resolve, reject) => {
    const req = request({
      protocol: "https:",
      hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port === "" ? 443 : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: "GET",
      headers: { accept: "application/json", "accept-encoding": "identity", "user-agent": "Vigil (client metadata)" },
      // A fresh socket each time: a pooled one may have been opened to another address.
      agent: false,
      lookup: pinnedLookup(options.addresses),
      signal: deadline,
      ...(options.ca ? { ca: [...options.ca] } : {}),
    });
    const refuse = (error: ClientMetadataError) => {
      reject(error);
      req.destroy();
    };
    const onError = (error: Error) => {
      if (deadline.aborted) refuse(new ClientMetadataError("timeout", `${url.host} did not send the client metadata document in time.`));
      else refuse(new ClientMetadataError("fetch_failed", `Vigil could not fetch the client metadata document from ${url.host}: ${error.message}`));
    };
    req.on("error", onError);
    req.on("response", (res) => {
      res.on("error", onError);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        return refuse(
          new ClientMetadataError("redirect", `${url.host} answered ${status} (a redirect); Vigil does not follow redirects, so the document must be served at the client_id URL itself.`),
        );
      }
      if (status !== 200) return refuse(new ClientMetadataError("bad_status", `${url.host} answered ${status} for the client metadata document (200 expected).`));
      const type = res.headers["content-type"] ?? "";
      if (!JSON_TYPE.test(type)) {
        const served = type === "" ? "without a content type" : `as "${type.slice(0, 100)}"`;
        return refuse(new ClientMetadataError("bad_content_type", `The client metadata document was served ${served}; application/json expected.`));
      }
      const encoding = res.headers["content-encoding"];
      if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
        return refuse(new ClientMetadataError("bad_content_type", `The client metadata document was served ${encoding.slice(0, 50)}-encoded; Vigil reads it uncompressed.`));
      }
      const tooLarge = () => new ClientMetadataError("too_large", `The client metadata document is larger than ${maxBytes} bytes.`);
      if (Number(res.headers["content-length"] ?? 0) > maxBytes) return refuse(tooLarge());
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) refuse(tooLarge());
        else chunks.push(chunk);
      });
      res.on("end", () => resolve({ body: Buffer.concat(chunks), cacheControl: res.headers["cache-control"] }));
    });
    req.end();
  });
}
