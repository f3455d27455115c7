import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";

const FILE = path.join(import.meta.dirname, "..", "..", "test-results", "fault-figures.jsonl");

/**
 * Prints one fault's figures (counts and recovery times; never asserted as timings) and keeps
 * them in test-results/fault-figures.jsonl for the README and the issue notes.
 */
export function figure(name: string, values: Record<string, number | string>): void {
  const line = Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  console.log(`[fault] ${name}: ${line}`);
  mkdirSync(path.dirname(FILE), { recursive: true });
  appendFileSync(FILE, `${JSON.stringify({ at: new Date().toISOString(), name, ...values })}\n`);
}
