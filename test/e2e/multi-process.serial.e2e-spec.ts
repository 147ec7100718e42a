import { load } from 'js-yaml';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intentBody } from '../factories/intent.factory';
import { freshBucketPath } from '../integration/workload/support';
import { collectDistinct, EventSubscriber } from '../support/amqp';
import { authHeader, testAuthEnv } from '../support/auth';
import { resetDatabase, startApi } from '../support/app';
import { deploymentChart } from '../support/charts';
import { pushTestImage } from '../support/oci-image';
import {
  killAll,
  requireBuild,
  ServiceProcess,
  freePort,
  startServiceProcess,
  waitUntil,
} from '../support/service-process';

const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';
const ONBOARDINGS = 20;
/**
 * The 1,000, through HTTP into two built apis beside two workers on the 2-core test
 * machine, ten objects: the whole test took ≈53 s while the feasibility check loaded every other
 * active intent of an object with its reports (eleven tables), ≈39 s since it reads the five that
 * define them.
 */
const INTENTS = 1000;
const CLIENTS = 8;
const INSTANCES = 10;

/**
 * Two api and two worker processes of the built service on the same database, broker, Redis and
 * repository, as a scaled-out deployment runs: onboardings land on either worker, requests on
 * either api, both apis' outbox relays publish. Nothing is lost, doubled or reordered.
 */
describe('two apis and two workers at once (built dist/, same services)', () => {
  const run = randomUUID().slice(0, 8);
  const processes: ServiceProcess[] = [];
  let work: string;
  let bases: string[];
  let auth: string;
  let image: string;

  const logs = (): string =>
    processes.map((p, i) => `--- process ${i + 1} ---\n${p.output().slice(-3000)}`).join('\n');

  /** A request to api `i % 2`, answering status and JSON body. */
  async function call(
    i: number,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${bases[i % 2]}${path}`, {
      method,
      headers: {
        Authorization: auth,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as never) : {} };
  }

  async function upload(i: number, id: number, bytes: Buffer): Promise<number> {
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'chart.tgz');
    const response = await fetch(`${bases[i % 2]}/api/v1/workloads/${id}/upload`, {
      method: 'POST',
      headers: { Authorization: auth },
      body: form,
    });
    return response.status;
  }

  beforeAll(async () => {
    requireBuild();
    work = await mkdtemp(join(tmpdir(), 'nemo-multi-process-'));
    image = (await pushTestImage(REGISTRY, `multi-${run}/app`, '1.0')).reference;
    const reset = await startApi();
    await resetDatabase(reset);
    await reset.close();
    const subscriber = await EventSubscriber.open();
    await subscriber.purge('upload', 'intent-notify');
    await subscriber.close();
    auth = await authHeader({ tenant: 'tenant-a', subject: 'alice' });
    const shared = {
      ...(await testAuthEnv()),
      HELM_REPOSITORY_BUCKET: freshBucketPath(),
      REGISTRY_MIRROR_PATH: `mirror-${run}`,
      SOURCE_REGISTRY_TLS_VERIFY: 'false',
    };
    const ports = [await freePort(), await freePort()];
    bases = ports.map((port) => `http://127.0.0.1:${port}`);
    const started = await Promise.all([
      ...ports.map((port, i) =>
        startServiceProcess(
          'api',
          { ...shared, PORT: String(port), WORK_DIR: join(work, `api-${i}`) },
          60000,
        ),
      ),
      ...[0, 1].map((i) =>
        startServiceProcess('worker', { ...shared, WORK_DIR: join(work, `worker-${i}`) }, 60000),
      ),
    ]);
    processes.push(...started);
  }, 120000);

  afterAll(async () => {
    await killAll(processes);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(`${ONBOARDINGS} onboardings and ${INTENTS} intent creations over both apis: nothing lost, doubled or reordered`, async () => {
    const names = Array.from({ length: ONBOARDINGS }, (_, i) => `multi-${run}-${i}`);
    const documents = await Promise.all(
      names.map(async (name, i) => {
        const created = await call(i, 'POST', '/api/v1/workloads', {
          name,
          version: '1.0.0',
          type: 'chart',
        });
        expect(created.status).toBe(201);
        const id = created.body.id as number;
        expect(
          await upload(
            i + 1,
            id,
            deploymentChart(
              { name, version: '1.0.0', description: 'multi-process', label: 'multi' },
              [image],
            ),
          ),
        ).toBe(202);
        return id;
      }),
    );
    const statusOf = async (id: number, i: number): Promise<string> =>
      (await call(i, 'GET', `/api/v1/workloads/${id}`)).body.status as string;

    // Intents need a live instance to be feasible (and so to be announced). The feasibility check
    // compares an intent with every active one on its object, one at a time per object: a busy
    // platform has many objects, so the intents go to 10 instances of the first accepted workload
    // (all on one object took 180 s, quadratic in the intents per object).
    const first = await waitUntil(
      'a first accepted workload',
      async () => {
        for (const [i, id] of documents.entries())
          if ((await statusOf(id, i)) === 'accepted') return id;
        return undefined;
      },
      60000,
      logs,
    );
    const objectInstances = await Promise.all(
      Array.from({ length: INSTANCES }, async (_, k) => {
        const instance = await call(k, 'POST', `/api/v1/workloads/${first}/instances`, {
          release_name: `multi-${k}`,
        });
        // Not a 201: the body names the kind of cause (a 503 which dependency), the processes'
        // logs the error itself (the api logs every 5xx).
        expect({
          status: instance.status,
          body: instance.status === 201 ? {} : instance.body,
          logs: instance.status === 201 ? '' : logs(),
        }).toEqual({ status: 201, body: {}, logs: '' });
        return instance.body.instance_id as string;
      }),
    );

    const created: number[] = [];
    let next = 0;
    const client = async (): Promise<void> => {
      while (next < INTENTS) {
        const i = next++;
        const response = await call(
          i,
          'POST',
          '/api/v1/intents',
          intentBody({ object_instance: objectInstances[i % INSTANCES] }),
        );
        expect(response.status).toBe(201);
        created.push(response.body.id as number);
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));

    await waitUntil(
      'every onboarding to finish',
      async () => {
        const statuses = await Promise.all(documents.map((id, i) => statusOf(id, i)));
        return statuses.every((status) => status !== 'onboarding') ? statuses : undefined;
      },
      120000,
      logs,
    ).then((statuses) => expect(statuses).toEqual(documents.map(() => 'accepted')));

    // Every chart in the shared index.yaml exactly once.
    const index = await fetch(`${bases[1]}/api/v1/helm-repo/index.yaml`, {
      headers: { Authorization: auth },
    });
    const entries = (load(await index.text()) as { entries: Record<string, unknown[]> }).entries;
    for (const name of names) expect(entries[name]).toHaveLength(1);

    // Every intent-notify once per message id (a redelivery repeats the id and the body).
    const notified = await collectDistinct('intent-notify', INTENTS, 60000);
    const intentOf = new Map<string, number>();
    for (const { messageId, body } of notified) {
      expect(intentOf.get(messageId) ?? body.id).toBe(body.id);
      intentOf.set(messageId, body.id);
    }
    expect([...intentOf.values()].sort((a, b) => a - b)).toEqual(
      [...created].sort((a, b) => a - b),
    );

    // Per document, `onboarding` then `accepted`, whichever api's relay sent each.
    const uploads = await collectDistinct('upload', 2 * ONBOARDINGS, 60000);
    const order = new Map<number, string[]>();
    const seen = new Set<string>();
    for (const { messageId, body } of uploads) {
      if (seen.has(messageId)) continue;
      seen.add(messageId);
      order.set(body.id, [...(order.get(body.id) ?? []), body.status ?? '']);
    }
    expect(seen.size).toBe(2 * ONBOARDINGS);
    for (const id of documents) expect(order.get(id)).toEqual(['onboarding', 'accepted']);
  }, 240000);
});
