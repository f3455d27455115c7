type Waiting<I, R> = { item: I; resolve: (result: R) => void; reject: (e: unknown) => void };

/**
 * Runs many callers' items as batches: a caller who finds a run slot free starts a run at
 * once; callers who arrive while every slot is busy wait and go together in the next run.
 * There is no timer, so an idle server adds no latency, and under load batches grow by
 * themselves to what one run takes. Each caller gets its own item's result. If a run fails,
 * its items are retried one by one, so only the item that cannot succeed fails (and an
 * outage fails each alike).
 *
 * Used for group commit (lib/audit/batch.ts, one run at a time) and for coalesced lookups
 * (several runs at a time): one round trip for many requests instead of a pooled
 * connection each.
 */
export class GroupRunner<I, R> {
  private queue: Waiting<I, R>[] = [];
  private running = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<R[]>,
    private readonly options: { maxBatch?: number; concurrency?: number } = {},
  ) {}

  /** Items waiting for a run (not those in one). */
  get pending(): number {
    return this.queue.length;
  }

  submit(item: I): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < (this.options.concurrency ?? 1) && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch ?? 500);
      this.running += 1;
      void this.runOrRetry(batch).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private async runBatch(batch: Waiting<I, R>[]): Promise<void> {
    const results = await this.run(batch.map((p) => p.item));
    batch.forEach((p, i) => p.resolve(results[i] as R));
  }

  private async runOrRetry(batch: Waiting<I, R>[]): Promise<void> {
    try {
      await this.runBatch(batch);
    } catch {
      for (const one of batch) await this.runBatch([one]).catch((error: unknown) => one.reject(error));
    }
  }
}
