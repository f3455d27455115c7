"use client";

import { useEffect, useId, useSyncExternalStore } from "react";

/** The stored choice; no entry means "follow the system" (the root layout's script reads the same key). */
const KEY = "vigil-theme";
type Choice = "system" | "light" | "dark";

const listeners = new Set<() => void>();
const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

function stored(): Choice {
  try {
    const t = localStorage.getItem(KEY);
    return t === "light" || t === "dark" ? t : "system";
  } catch {
    return "system";
  }
}

const systemIsLight = () => matchMedia("(prefers-color-scheme: light)").matches;

function apply(choice: Choice) {
  // Dark unless something says light: the system, when no choice is stored, or the choice.
  const dark = choice === "dark" || (choice === "system" && !systemIsLight());
  document.documentElement.classList.toggle("dark", dark);
}

/**
 * System (the default), light or dark. "System" stores nothing and follows the operating
 * system's setting, live: switching the OS to dark at dusk switches an open console too.
 */
export function ThemeToggle() {
  const id = useId();
  const choice = useSyncExternalStore(subscribe, stored, () => "system" as Choice);
  useEffect(() => {
    const media = matchMedia("(prefers-color-scheme: light)");
    const follow = () => {
      if (stored() === "system") apply("system");
    };
    media.addEventListener("change", follow);
    return () => media.removeEventListener("change", follow);
  }, []);
  const choose = (next: Choice) => {
    try {
      if (next === "system") localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, next);
    } catch {
      // Storage refused (private mode): the choice lasts for this page only.
    }
    apply(next);
    for (const l of listeners) l();
  };
  return (
    <span className="inline-flex items-center gap-1 text-sm">
      <label htmlFor={id} className="text-muted">
        Theme
      </label>
      <select
        id={id}
        value={choice}
        onChange={(e) => choose(e.target.value as Choice)}
        className="rounded-md border border-line bg-surface-2 px-2 py-1 text-sm text-fg"
        data-testid="theme"
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </span>
  );
}
