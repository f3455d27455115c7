import { afterEach, describe, expect, it } from "vitest";
import { SECRET_A, SECRET_B, SECRET_C, runWithSecrets } from "@/lib/testing/secrets";
import { dpopNonces } from "./nonce";

const ON = { DPOP_NONCES: "true", DPOP_NONCE_SECONDS: "60" };
const at = (window: number) => window * 60_000 + 1;

describe("DPoP nonces across an AUTH_SECRET rotation", () => {
  let restore = () => {};
  afterEach(() => restore());

  it("issues only the current secret's nonce, and accepts the previous secret's for this window and the last", () => {
    restore = runWithSecrets(SECRET_A, [], ON);
    const a = dpopNonces(at(100));
    const aBefore = dpopNonces(at(99));
    const aLater = dpopNonces(at(102));
    if (!a || !aBefore || !aLater) throw new Error("nonces are on");
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_A], ON);
    const b = dpopNonces(at(100));
    if (!b) throw new Error("nonces are on");
    expect(b.current).not.toBe(a.current);
    expect(b.accepted).toContain(b.current);
    // A replica still on A handed out its nonce a moment ago (this window or the last).
    expect(b.accepted).toContain(a.current);
    expect(b.accepted).toContain(aBefore.current);
    // ...but the window rule still holds for it: an older one is stale.
    expect(dpopNonces(at(102))?.accepted).not.toContain(a.current);
    expect(dpopNonces(at(102))?.accepted).toContain(aLater.current);
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_C], ON);
    expect(dpopNonces(at(100))?.accepted).not.toContain(a.current);
  });
});
