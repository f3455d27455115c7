import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { isIPv4 } from "node:net";

/**
 * A self-signed TLS certificate made in memory with node:crypto alone (no openssl binary,
 * no network), for tests that run real HTTPS servers on 127.0.0.1. The test trusts it by
 * handing its PEM to the code under test as the only CA; production code never sees it.
 */
export type TestCertificate = { cert: string; key: string };

const der = (tag: number, content: Buffer): Buffer => {
  const n = content.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
};
const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => der(0x31, Buffer.concat(parts));

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const groups = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return der(0x06, Buffer.from(bytes));
}

function positiveInteger(bytes: Buffer): Buffer {
  const first = bytes[0] ?? 0;
  return der(0x02, first & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
  return der(0x17, Buffer.from(text, "ascii"));
}

const commonName = (cn: string) => seq(set(seq(oid("2.5.4.3"), der(0x0c, Buffer.from(cn, "utf8")))));

/** dNSName is [2] IA5String, iPAddress is [7] OCTET STRING (RFC 5280 §4.2.1.6). */
function subjectAltName(dnsNames: string[], ipv4: string[]): Buffer {
  const names = [
    ...dnsNames.map((n) => der(0x82, Buffer.from(n, "ascii"))),
    ...ipv4.map((ip) => der(0x87, Buffer.from(ip.split(".").map(Number)))),
  ];
  return seq(oid("2.5.29.17"), der(0x04, seq(...names)));
}

/** An ECDSA P-256 certificate valid for a day, for the given DNS names and IPv4 addresses. */
export function selfSignedCertificate(names: string[]): TestCertificate {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ecdsaWithSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const name = commonName(names[0] ?? "localhost");
  const now = Date.now();
  const tbs = seq(
    der(0xa0, positiveInteger(Buffer.from([2]))), // v3
    positiveInteger(randomBytes(12)),
    ecdsaWithSha256,
    name,
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    der(0xa3, seq(subjectAltName(names.filter((n) => !isIPv4(n)), names.filter((n) => isIPv4(n))))),
  );
  const signature = sign("sha256", tbs, privateKey);
  const certificate = seq(tbs, ecdsaWithSha256, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const base64 = certificate.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
