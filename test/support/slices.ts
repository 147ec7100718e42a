/** The per-worker slice of the shared services, derived from the base URLs of `.local/env`. */
export interface TestSlice {
  database: string;
  databaseUrl: string;
  vhost: string;
  rabbitmqUrl: string;
  redisUrl: string;
  bucket: string;
}

export const MAX_SLICES = 2;

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the tests with "npm test" (scripts/test.sh)`);
  return value;
}

/** The base URLs as scripts/services.sh wrote them, before worker-env.ts rewrote them. */
export function baseUrls(): { database: string; rabbitmq: string; redis: string } {
  return {
    database: process.env.BASE_DATABASE_URL ?? required('DATABASE_URL'),
    rabbitmq: process.env.BASE_RABBITMQ_URL ?? required('RABBITMQ_URL'),
    redis: process.env.BASE_REDIS_URL ?? required('REDIS_URL'),
  };
}

/**
 * NEMO_TEST_NAMESPACE keeps concurrent jest runs of different people (or helpers) on one machine
 * apart: each namespace has its own databases, vhosts, buckets and queue prefix.
 */
export function testNamespace(): string {
  const namespace = process.env.NEMO_TEST_NAMESPACE ?? 'main';
  if (!/^[a-z0-9]{1,20}$/.test(namespace))
    throw new Error('NEMO_TEST_NAMESPACE must be 1-20 of [a-z0-9]');
  return namespace;
}

/**
 * Redis has 16 numbered databases (0-15): the main namespace keeps 0-1, helper namespaces `h<n>`
 * get their own pair so rate-limit counters and queues of concurrent runs never meet (`h9` shares
 * `h7`'s pair: h7 runs against private services).
 */
function redisDatabase(namespace: string, worker: number): number {
  const helper = /^h([1-9])$/.exec(namespace);
  const pair = helper ? Math.min(Number(helper[1]), 7) : 0;
  return pair * MAX_SLICES + worker - 1;
}

export function testSlice(worker: number): TestSlice {
  const base = baseUrls();
  const namespace = testNamespace();
  const database = `nemo_test_${namespace}_${worker}`;
  const databaseUrl = new URL(base.database);
  databaseUrl.pathname = `/${database}`;
  const rabbitmqUrl = new URL(base.rabbitmq);
  rabbitmqUrl.pathname = `/test-${namespace}-${worker}`;
  const redisUrl = new URL(base.redis);
  redisUrl.pathname = `/${redisDatabase(namespace, worker)}`;
  return {
    database,
    databaseUrl: databaseUrl.toString(),
    vhost: `test-${namespace}-${worker}`,
    rabbitmqUrl: rabbitmqUrl.toString(),
    redisUrl: redisUrl.toString(),
    bucket: `nemo-test-${namespace}-${worker}`,
  };
}
