import { ensureBuild } from "../../scripts/build-if-stale.mjs";

/** Fault tests start their own instances of the production build (and break them). */
export default function setup(): void {
  ensureBuild();
}
