import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { SnakeNamingStrategy } from './snake-naming.strategy';
import { PG_TYPES } from './timestamptz';

/** Bounds of one connection attempt and one statement; the migration CLI runs without them. */
export interface DatabaseTimeouts {
  connectMs: number;
  statementMs: number;
}

/** Beyond the server's statement_timeout, a server that stopped answering at all. */
const READ_TIMEOUT_MARGIN_MS = 2000;

/**
 * One definition of the connection for the app and the migration CLI. Entities are registered by
 * their modules (autoLoadEntities); schema changes only happen through the migrations found here.
 *
 * With `timeouts`, a request never waits on PostgreSQL longer than them: a pool connection that
 * cannot be opened fails after `connectMs`, a statement after `statementMs` (server side), and a
 * server that stopped answering altogether a little later (client side). The errors become 503s
 * (ProblemDetailsFilter); the pool opens fresh connections when PostgreSQL is back.
 */
export function dataSourceOptions(
  url: string,
  poolSize = 10,
  timeouts?: DatabaseTimeouts,
): DataSourceOptions {
  const root = join(__dirname, '..', '..');
  return {
    type: 'postgres',
    url,
    migrations: [join(root, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'schema_migrations',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: poolSize,
      application_name: 'nemo-intent-api',
      keepAlive: true,
      types: PG_TYPES,
      ...(timeouts && {
        connectionTimeoutMillis: timeouts.connectMs,
        statement_timeout: timeouts.statementMs,
        query_timeout: timeouts.statementMs + READ_TIMEOUT_MARGIN_MS,
      }),
    },
  };
}

export function databaseTimeouts(config: {
  DATABASE_CONNECT_TIMEOUT_MS: number;
  DATABASE_STATEMENT_TIMEOUT_MS: number;
}): DatabaseTimeouts {
  return {
    connectMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  };
}
