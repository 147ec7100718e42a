import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Stops or starts one of the shared local services, as an outage would: only for files of the
 * serial phase (`*.serial.*`), which run alone. RabbitMQ through .local/bin/rabbitmq, PostgreSQL
 * and S3 through .local/bin/service (both written by scripts/services.sh).
 */
export async function service(
  name: 'rabbitmq' | 'postgres' | 's3',
  action: 'stop' | 'start',
): Promise<void> {
  const variable = name === 'rabbitmq' ? 'NEMO_RABBITMQ_CTL' : 'NEMO_SERVICE_CTL';
  const ctl = process.env[variable];
  if (!ctl) throw new Error(`${variable} is not set: run the tests with "npm test"`);
  const args = name === 'rabbitmq' ? [action] : [name, action];
  await run(ctl, args, { timeout: 120000 });
}

/** Polls `check` every 100 ms until it holds, or fails naming `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
