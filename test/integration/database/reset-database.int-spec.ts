import { NestExpressApplication } from '@nestjs/platform-express';
import { setTimeout } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { resetDatabase, startApi } from '../../support/app';

/**
 * The suites' reset runs while the app's own loops hold locks; when PostgreSQL breaks a deadlock by
 * aborting the TRUNCATE, the reset takes its locks again instead of failing the whole file (CI).
 */
describe('resetDatabase beside a transaction that locks the tables in the other order', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startApi();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('retries the TRUNCATE that PostgreSQL chose as the deadlock victim', async () => {
    const dataSource = app.get(DataSource);
    const tables = (await dataSource.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`,
    )) as Array<{ tablename: string }>;
    const first = tables[0].tablename;
    const last = tables[tables.length - 1].tablename;
    const other = dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.startTransaction();
      await other.query(`LOCK TABLE "${last}" IN ACCESS EXCLUSIVE MODE`);
      const reset = resetDatabase(app);
      await waitForTruncateToWait(dataSource);
      // The TRUNCATE holds `first` and waits for `last`: this closes the cycle. It waited first, so
      // its deadlock check (deadlock_timeout, 1 s) runs first and aborts it, and this lock is granted.
      await other.query(`LOCK TABLE "${first}" IN ACCESS EXCLUSIVE MODE`);
      await other.commitTransaction();
      await expect(reset).resolves.toBeUndefined();
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
  });
});

async function waitForTruncateToWait(dataSource: DataSource): Promise<void> {
  for (let poll = 0; poll < 200; poll += 1) {
    const waiting = (await dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND query LIKE 'TRUNCATE%'`,
    )) as Array<{ n: number }>;
    if (waiting[0].n > 0) return;
    await setTimeout(10);
  }
  throw new Error('the TRUNCATE never waited for the lock');
}
