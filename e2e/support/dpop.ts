/** The DPoP challenge (RFC 9449 §7.1) a Vigil with the default DPOP_SIGNING_ALGS adds to its 401s. */
export const DPOP_CHALLENGE = 'DPoP algs="ES256 RS256 PS256 EdDSA Ed25519"';
