import { integer, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { agents } from "./agents";

export const tokenMonthlyCounts = pgTable(
  "token_monthly_counts",
  {
    agentId: uuid("agent_id")
      .notNull()
      .references(() => agents.id),
    // UTC calendar month, "YYYY-MM".
    month: text("month").notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.month] })],
);
