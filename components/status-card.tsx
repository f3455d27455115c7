type Props = { href: string; label: string; note: string };

export function StatusCard({ href, label, note }: Props) {
  return (
    <a
      href={href}
      className="block rounded-lg border border-slate-800 bg-slate-900 p-4 transition hover:border-sky-500"
    >
      <span className="font-medium text-slate-100">{label}</span>
      <span className="mt-1 block text-sm text-slate-400">{note}</span>
      <span className="mt-2 block font-mono text-xs text-sky-300">{href}</span>
    </a>
  );
}
