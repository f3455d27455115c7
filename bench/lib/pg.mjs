// A throwaway PostgreSQL database per bench run: numbers must not depend on what earlier
// runs or the test suite left in the tables, and nothing may be left behind afterwards.
import postgres from "postgres";

export const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test";

/** The connection used only to create and drop the bench database. */
export function adminUrl() {
  return process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || DEFAULT_ADMIN_URL;
}

/**
 * @typedef {object} BenchDatabase
 * @property {string} name
 * @property {string} url connection string for the new database
 * @property {import("postgres").Sql} sql small pool on the new database, for checks
 * @property {() => Promise<void>} drop
 */

/** @returns {Promise<BenchDatabase>} */
export async function createBenchDatabase() {
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  const name = `vigil_bench_${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}_${process.pid}`;
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } catch (error) {
    await admin.end({ timeout: 5 });
    throw error;
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  let dropped = false;
  return {
    name,
    url: url.toString(),
    sql,
    async drop() {
      if (dropped) return;
      dropped = true;
      await sql.end({ timeout: 5 }).catch(() => {});
      try {
        // FORCE: a killed server may leave its pool's backends behind for a moment.
        await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

/**
 * Backend pids serving `database`, so postgres CPU can be attributed to the bench rather than
 * to whatever else shares the server.
 * @param {import("postgres").Sql} sql
 * @param {string} database
 * @returns {Promise<number[]>}
 */
export async function backendPids(sql, database) {
  const rows = await sql`select pid from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`;
  return rows.map((r) => Number(r.pid));
}
