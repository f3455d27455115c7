"use client";

import { useEffect } from "react";

/**
 * Marks the moment a page's key control has hydrated (its effects run only after React
 * attached its handlers): a User Timing entry `vigil:interactive:<page>`, read by the
 * console bench as "time to interactive", and data-hydrated on <html> for anyone waiting.
 */
export function useHydratedMark(page: string) {
  useEffect(() => {
    performance.mark(`vigil:interactive:${page}`);
    document.documentElement.dataset.hydrated = page;
  }, [page]);
}
