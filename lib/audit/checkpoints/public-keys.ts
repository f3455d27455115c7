import { trustedPublicKeys } from "@/lib/keys/keyring";

/** Every public key a checkpoint may be signed with (retired keys too): auditors verify offline with these. */
export const checkpointKeys = () => ({ keys: trustedPublicKeys() });
