"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const ITEMS = [
  { href: "/", label: "Overview" },
  { href: "/events", label: "Live events" },
  { href: "/audit", label: "Audit" },
  { href: "/agents", label: "Agents" },
  { href: "/delegations", label: "Delegations" },
  { href: "/autoheal", label: "Autoheal" },
  { href: "/policies", label: "Policies" },
  { href: "/api-reference", label: "API" },
];

export function NavLinks() {
  const pathname = usePathname();
  return (
    <ul className="flex gap-1 overflow-x-auto">
      {ITEMS.map((item) => {
        const current = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              aria-current={current ? "page" : undefined}
              className={`block whitespace-nowrap rounded-md px-3 py-1.5 text-sm font-medium ${
                current ? "bg-surface-2 text-fg" : "text-muted hover:text-fg"
              }`}
            >
              {item.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
