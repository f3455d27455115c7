import { lookup } from "node:dns/promises";
import { isIPv4 } from "node:net";
import { addressAsHostname, isIpLiteral, specialAddressKind } from "./address-policy";
import { ClientMetadataError } from "./metadata-error";
import type { ResolvedAddress } from "./pinned-get";

/** Resolves a host name to every address it has. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system's resolver (getaddrinfo, /etc/hosts included), as a connection by name would use. */
export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

function untilDeadline<T>(work: Promise<T>, deadline: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(deadline.reason);
    if (deadline.aborted) return onAbort();
    deadline.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => deadline.removeEventListener("abort", onAbort));
  });
}

/**
 * Every address the URL's host has, each checked; the connection is then made only to these
 * (pinnedGet), so the name is resolved once per fetch. An address in a special range is
 * refused unless that exact IP is itself on CLIENT_METADATA_HOSTS: listing a name is not
 * enough, or whoever controls that name's DNS could point Vigil at its own network.
 */
export async function checkedAddresses(
  url: URL,
  hosts: readonly string[],
  resolve: HostResolver,
  deadline: AbortSignal,
): Promise<ResolvedAddress[]> {
  const host = url.hostname;
  let found: readonly ResolvedAddress[];
  if (isIpLiteral(host)) {
    found = [{ address: host.replace(/^\[(.*)\]$/, "$1"), family: isIPv4(host) ? 4 : 6 }];
  } else {
    try {
      found = await untilDeadline(resolve(host), deadline);
    } catch {
      if (deadline.aborted) throw new ClientMetadataError("timeout", `${host} could not be resolved in time.`);
      throw new ClientMetadataError("unresolvable_host", `${host} does not resolve to an address.`);
    }
    if (found.length === 0) throw new ClientMetadataError("unresolvable_host", `${host} does not resolve to an address.`);
  }
  for (const { address } of found) {
    const kind = specialAddressKind(address);
    if (kind !== null && !hosts.includes(addressAsHostname(address))) {
      throw new ClientMetadataError(
        "private_address",
        `${host} resolves to ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} address; Vigil fetches client metadata only from public addresses (or IPs listed on CLIENT_METADATA_HOSTS).`,
      );
    }
  }
  return found.map(({ address }) => ({ address, family: isIPv4(address) ? 4 : 6 }));
}
