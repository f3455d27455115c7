import { readFileSync, rmSync, writeFileSync } from "node:fs";

/**
 * PGlite has no server: two processes opening one data directory would corrupt it. A pid
 * file next to the directory makes a second process (another `npm start`, `npm run
 * db:migrate` while the server runs) stop with a message instead. A file left by a process
 * that no longer exists is taken over.
 */
export function acquirePgliteLock(dir: string): () => void {
  const file = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx", mode: 0o600 });
      return () => {
        if (readPid(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readPid(file);
      if (holder !== null && holder !== process.pid && alive(holder)) {
        throw new EmbeddedDatabaseInUseError(dir, holder);
      }
      // Stale (or our own from an earlier open in this process): take it over.
      rmSync(file, { force: true });
    }
  }
  throw new EmbeddedDatabaseInUseError(dir, null);
}

export class EmbeddedDatabaseInUseError extends Error {
  constructor(dir: string, pid: number | null) {
    super(
      `The embedded database at ${dir} is in use${pid ? ` by process ${pid}` : ""}; it admits one process. ` +
        "Stop that process, or use PostgreSQL (DATABASE_URL) to run several.",
    );
    this.name = "EmbeddedDatabaseInUseError";
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else — still alive.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
