import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type * as schema from "@/drizzle/schema";

export type Schema = typeof schema;
/** The common face of both drivers (PGlite and postgres.js). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a verb can run a query on: the pool or an open transaction. */
export type Executor = Db | Tx;
