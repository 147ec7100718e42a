import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource, EntityMetadata, FindOptionsOrder, In, ObjectLiteral } from 'typeorm';
import { leanFind, leanFindOne } from '../../../src/database/lean-find';
import type { IntentObject } from '../../../src/contract';
import { WorkloadInstance } from '../../../src/instance/entities/workload-instance.entity';
import { Intent } from '../../../src/intent/entities';
import { intentBody } from '../../factories/intent.factory';
import { resetDatabase, startApi } from '../../support/app';
import { authHeader } from '../../support/auth';

/**
 * leanFind must hydrate exactly what TypeORM's find() does (same classes, same values, same types:
 * dates, jsonb, embedded FulfilmentInfo columns, VirtualColumns, nulls), for every entity of the
 * api, on rows written through the real routes.
 */
describe('leanFind against find() (real PostgreSQL, rows written by the api)', () => {
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let intent: IntentObject;

  beforeAll(async () => {
    app = await startApi();
    await resetDatabase(app);
    dataSource = app.get(DataSource);
    const http = request(app.getHttpServer());
    const [writer, service] = await Promise.all([
      authHeader(),
      authHeader({ subject: 'monitoring', roles: ['service'] }),
    ]);
    const document = await http
      .post('/api/v1/workloads')
      .set('Authorization', writer)
      .send({ name: 'lean', version: '1.0.0', type: 'chart', description: 'rows to compare' })
      .expect(201);
    const instance = await dataSource.getRepository(WorkloadInstance).save({
      instanceId: randomUUID(),
      workloadDocumentId: document.body.id as number,
      releaseName: 'lean',
      namespace: null,
      values: { replicaCount: 2, nested: { on: true } },
      ingressEnabled: false,
      status: 'deployed',
      statusReason: null,
      clusterName: 'k3s-cluster',
      manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lean' } }],
      exposedUrls: [],
      owner: 'user-tenant-a',
      tenant: 'tenant-a',
    });
    const context = {
      context_attribute: 'region',
      context_condition: 'IS_EQUAL_TO',
      context_value_range: 'eu',
    };
    const body = intentBody({ object_instance: instance.instanceId }) as {
      intent_expectations: Array<Record<string, unknown>>;
      intent_contexts: unknown[];
    };
    body.intent_contexts = [context];
    body.intent_expectations[0].expectation_contexts = [context];
    intent = (
      await http.post('/api/v1/intents').set('Authorization', writer).send(body).expect(201)
    ).body as IntentObject;
    const target = intent.intent_expectations[0].expectation_targets[0].id;
    await http
      .put(`/api/v1/intents/${intent.id}/report`)
      .set('Authorization', service)
      .send([{ target, target_achieved_value: 12.5 }])
      .expect(200);
  });

  afterAll(() => app.close());

  const primary = (metadata: EntityMetadata): string => metadata.primaryColumns[0].propertyName;

  it('reads every entity of the api as find() does', async () => {
    const compared: string[] = [];
    for (const metadata of dataSource.entityMetadatas) {
      const order = { [primary(metadata)]: 'ASC' as const };
      const expected = await dataSource.manager.find(metadata.target, {
        order: order as FindOptionsOrder<ObjectLiteral>,
      });
      const actual = await leanFind(dataSource.manager, metadata.target, { where: {}, order });
      expect({ entity: metadata.name, rows: actual }).toStrictEqual({
        entity: metadata.name,
        rows: expected,
      });
      if (expected.length > 0) compared.push(metadata.name);
    }
    // The rows above reached the tables with embedded and virtual columns, so the test compared them.
    expect(compared).toEqual(
      expect.arrayContaining([
        'WorkloadDocument',
        'WorkloadInstance',
        'Intent',
        'IntentContext',
        'TargetFulfilmentResult',
        'ExpectationFulfilmentResult',
        'IntentFulfilmentReport',
        'IntentReport',
      ]),
    );
  });

  it('filters by equality, lists and In(), and leaves out undefined conditions', async () => {
    const byIn = await leanFind(dataSource.manager, Intent, { where: { id: In([intent.id]) } });
    const byList = await leanFind(dataSource.manager, Intent, { where: { id: [intent.id, -1] } });
    const scoped = await leanFindOne(dataSource.manager, Intent, {
      id: intent.id,
      tenant: undefined,
    });
    expect(byIn).toStrictEqual(await dataSource.manager.findBy(Intent, { id: intent.id }));
    expect(byList).toStrictEqual(byIn);
    expect(scoped).toStrictEqual(byIn[0]);
    expect(
      await leanFindOne(dataSource.manager, Intent, { id: intent.id, tenant: 'other' }),
    ).toBeNull();
  });

  it('refuses what it cannot express instead of ignoring it', async () => {
    await expect(leanFind(dataSource.manager, Intent, { where: { nosuch: 1 } })).rejects.toThrow(
      'Intent has no column nosuch',
    );
  });
});
