type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** One piece of work started in an {@link Overlap}. */
export interface Started<T> {
  /**
   * Its value. When it failed, everything started in the overlap settles first, and the failure
   * that ranks first among them is thrown: not necessarily this one's.
   */
  result(): Promise<T>;
}

/**
 * Work that runs side by side, with a fixed rule for what is reported when several pieces fail:
 * the failure whose kind comes first in `ranking` (between two of one kind, the one started first).
 * Every piece's outcome is held from the moment it starts, so none is ever unobserved, and no
 * failure is reported before all the work started so far has settled: nothing of a failed attempt
 * still runs once its failure is known.
 */
export class Overlap<Kind extends string> {
  private readonly started: Array<{ rank: number; outcome: Promise<Outcome<unknown>> }> = [];

  constructor(private readonly ranking: readonly Kind[]) {}

  start<T>(kind: Kind, work: Promise<T>): Started<T> {
    const rank = this.ranking.indexOf(kind);
    if (rank < 0) throw new Error(`${kind} has no rank in this overlap`);
    const outcome = work.then(
      (value): Outcome<T> => ({ ok: true, value }),
      (error: unknown): Outcome<T> => ({ ok: false, error }),
    );
    this.started.push({ rank, outcome });
    return {
      result: async () => {
        const settled = await outcome;
        if (settled.ok) return settled.value;
        await this.settle();
        throw settled.error; // not reached: settle() throws, this piece having failed
      },
    };
  }

  /** Waits for everything started (including what starts meanwhile); throws the first-ranked failure. */
  async settle(): Promise<void> {
    let seen = 0;
    while (seen < this.started.length) {
      seen = this.started.length;
      await Promise.all(this.started.map((piece) => piece.outcome));
    }
    let first: { rank: number; error: unknown } | undefined;
    for (const piece of this.started) {
      const settled = await piece.outcome;
      if (!settled.ok && (!first || piece.rank < first.rank))
        first = { rank: piece.rank, error: settled.error };
    }
    if (first) throw first.error;
  }
}
