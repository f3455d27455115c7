/**
 * The ack form's labels: a JSON object, or one `name=value` per line (quotes around the value
 * optional). Returns the object or a message a person can act on; the server checks again.
 */
export function parseAckLabels(text: string): { ok: true; labels: Record<string, string> } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, message: "Name at least one label, e.g. alertname=HighCPU: an empty silence would match every alert." };
  if (trimmed.startsWith("{")) {
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch {
      return { ok: false, message: 'Not valid JSON: write {"alertname":"HighCPU"} or one name=value per line.' };
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, message: "The JSON must be an object of label names to values." };
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v !== "string") return { ok: false, message: `Label ${k}: the value must be a string.` };
      labels[k] = v;
    }
    return check(labels);
  }
  const labels: Record<string, string> = {};
  const lines = trimmed.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    const eq = line.indexOf("=");
    if (eq < 0) return { ok: false, message: `Line ${i + 1}: write name=value.` };
    const name = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name in labels) return { ok: false, message: `Line ${i + 1}: ${name} is named twice.` };
    labels[name] = value;
  }
  return check(labels);
}

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function check(labels: Record<string, string>) {
  const names = Object.keys(labels);
  if (names.length === 0) return { ok: false as const, message: "Name at least one label: an empty silence would match every alert." };
  for (const name of names) {
    if (!NAME.test(name)) return { ok: false as const, message: `"${name}" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*).` };
    if (!labels[name]) return { ok: false as const, message: `Label ${name} has no value.` };
  }
  return { ok: true as const, labels };
}
