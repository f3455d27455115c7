"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { apiWrite } from "../api";
import type { Validation } from "./types";

const DEBOUNCE_MS = 400;

/**
 * The engine's verdict on a draft, asked once the operator pauses typing (every keystroke
 * would be a request). The previous verdict stays on screen while the next is asked, so
 * markers do not flicker; `checking` says it may be out of date.
 */
export function usePolicyValidation(text: string) {
  const [settled, setSettled] = useState(text);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(text), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);
  const q = useQuery({
    queryKey: ["policy-validation", settled],
    queryFn: () => apiWrite<Validation>("POST", "/api/v1/policy-validations", { text: settled }),
    // The same text always gets the same verdict (until a deploy changes the schema).
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });
  return { validation: q.data, checking: settled !== text || q.isFetching, error: q.error };
}
