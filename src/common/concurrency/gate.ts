type Verdict = { passed: true } | { passed: false; failure: unknown };

/**
 * A condition that later work waits for, decided once by one piece of work (onboarding: copies
 * wait for `helm lint`). The work's outcome is held from the moment the gate exists, so a failure
 * is never unobserved: `passed()` rejects with it, `failed()` answers it.
 */
export class Gate {
  private readonly verdict: Promise<Verdict>;

  constructor(work: Promise<unknown>) {
    this.verdict = work.then(
      (): Verdict => ({ passed: true }),
      (failure: unknown): Verdict => ({ passed: false, failure }),
    );
  }

  /** A gate that is open from the start (a verdict known beforehand). */
  static open(): Gate {
    return new Gate(Promise.resolve());
  }

  /** Resolves once the work succeeded; rejects with its failure otherwise. */
  async passed(): Promise<void> {
    const verdict = await this.verdict;
    if (!verdict.passed) throw verdict.failure;
  }

  /** Once decided: the work's failure, or undefined when it passed. Never rejects. */
  async failed(): Promise<unknown> {
    const verdict = await this.verdict;
    return verdict.passed ? undefined : verdict.failure;
  }
}
