"use client";

import { useSyncExternalStore } from "react";
import { btnSecondary } from "@/components/ui/styles";

const listeners = new Set<() => void>();
const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};
const isDark = () => document.documentElement.classList.contains("dark");

/** Switches the theme and remembers the choice (the root layout's script applies it at load). */
export function ThemeToggle() {
  const dark = useSyncExternalStore(subscribe, isDark, () => true);
  const toggle = () => {
    const next = !isDark();
    document.documentElement.classList.toggle("dark", next);
    try {
      localStorage.setItem("vigil-theme", next ? "dark" : "light");
    } catch {
      // Storage refused (private mode): the choice lasts for this page only.
    }
    for (const l of listeners) l();
  };
  return (
    <button type="button" className={btnSecondary} onClick={toggle} aria-pressed={!dark} title="Toggle light theme">
      {dark ? "Light theme" : "Dark theme"}
    </button>
  );
}
