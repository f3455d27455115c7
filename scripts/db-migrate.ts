// npm run db:migrate – apply committed migrations and exit (start-up applies them too).
import { closeDb, getDbHandle } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";

const handle = await getDbHandle();
await applyMigrations(handle);
await closeDb();
console.log(`migrations applied (${handle.kind})`);
