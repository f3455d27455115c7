"use client";

import { useState } from "react";
import { httpsUrl } from "./wording";

/**
 * The agent's registered logo, loaded only over https and without a Referer (the page's URL
 * carries the request's state). Until it loads, or when it cannot, the agent's initial
 * stands in: an image that failed before React attached its handler is caught by the ref.
 */
export function AgentLogo({ name, uri }: { name: string; uri: string | null }) {
  const src = httpsUrl(uri);
  const [failed, setFailed] = useState(false);
  const initial = (name.trim()[0] ?? "?").toUpperCase();
  return (
    <span className="relative inline-flex size-14 shrink-0 items-center justify-center overflow-hidden rounded-lg border border-line bg-surface-2 text-2xl font-semibold text-accent">
      <span aria-hidden="true" data-testid={src && !failed ? undefined : "agent-logo-fallback"}>
        {initial}
      </span>
      {src && !failed ? (
        // A registered https URL of any host: next/image would need every host configured in advance.
        // eslint-disable-next-line @next/next/no-img-element
        <img
          ref={(img) => {
            if (img?.complete && img.naturalWidth === 0) setFailed(true);
          }}
          src={src}
          alt={`${name} logo`}
          width={56}
          height={56}
          referrerPolicy="no-referrer"
          onError={() => setFailed(true)}
          className="absolute inset-0 size-full bg-surface-2 object-contain"
          data-testid="agent-logo"
        />
      ) : null}
    </span>
  );
}
