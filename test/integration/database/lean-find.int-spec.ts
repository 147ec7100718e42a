import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource, EntityMetadata, FindOptionsOrder, In, ObjectLiteral } from 'typeorm';
import { MAX_PAGE_SIZE, PageQuery } from '../../../src/common/pagination/pagination';
import { fetchPage } from '../../../src/database/keyset-page';
import { lean, leanFind, leanFindAll, leanFindOne } from '../../../src/database/lean-find';
import type { IntentObject } from '../../../src/contract';
import { WorkloadInstance } from '../../../src/instance/entities/workload-instance.entity';
import { Intent, IntentExpectation, IntentReport } from '../../../src/intent/entities';
import { WorkloadDocument } from '../../../src/workload/entities/workload-document.entity';
import { intentBody } from '../../factories/intent.factory';
import { resetDatabase, startApi } from '../../support/app';
import { authHeader } from '../../support/auth';

/**
 * leanFind and fetchPage must hydrate exactly what TypeORM's find() and getMany() do (same classes,
 * same values, same types: dates, jsonb, embedded FulfilmentInfo columns, VirtualColumns, nulls),
 * for every entity of the api, on rows written through the real routes.
 */
describe('leanFind and fetchPage against find() and getMany() (real PostgreSQL, rows written by the api)', () => {
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

  it('pages every entity of the api as getMany() builds it', async () => {
    const query = Object.assign(new PageQuery(), { limit: MAX_PAGE_SIZE, order: 'asc' as const });
    const paged = dataSource.entityMetadatas.filter((m) => m.primaryColumns.length === 1);
    for (const metadata of paged) {
      const property = primary(metadata);
      const expected = await dataSource.manager
        .createQueryBuilder(metadata.target, 'e')
        .orderBy(`e.${property}`, 'ASC')
        .limit(MAX_PAGE_SIZE)
        .getMany();
      const { entities } = await fetchPage(dataSource.manager, metadata.target, query, {
        resource: 'lean',
        sort: { name: 'id', property, type: 'integer' },
        where: {},
        filters: {},
      });
      expect({ entity: metadata.name, rows: entities }).toStrictEqual({
        entity: metadata.name,
        rows: expected,
      });
    }
    expect(paged.map((m) => m.name)).toEqual(
      expect.arrayContaining(['WorkloadDocument', 'Intent']),
    );
  });

  it('pages by equality and further conditions, reading only the selected properties', async () => {
    const spec = (objectInstance: string) => ({
      resource: 'lean-intents',
      sort: { name: 'id', property: 'id', type: 'integer' as const },
      select: ['id'],
      where: { tenant: 'tenant-a', userLabel: undefined },
      matching: {
        object_instance: {
          value: objectInstance,
          sql: (p: string) =>
            `EXISTS (SELECT 1 FROM expectation_object o WHERE o.intent_id = t.id AND o.object_instance = ${p})`,
        },
      },
      filters: { object_instance: objectInstance },
    });
    const named = intent.intent_expectations[0].expectation_object.object_instance ?? '';
    const found = await fetchPage(dataSource.manager, Intent, new PageQuery(), spec(named));
    const expected = await dataSource.manager
      .createQueryBuilder(Intent, 'intent')
      .select('intent.id')
      .where('intent.id = :id', { id: intent.id })
      .getMany();
    expect(found.entities).toStrictEqual(expected);
    expect(found.meta).toMatchObject({ total: 1, count: 'exact', next_cursor: null });
    const none = await fetchPage(dataSource.manager, Intent, new PageQuery(), spec('no-such'));
    expect(none).toMatchObject({ entities: [], meta: { total: 0 } });
  });

  it("counts and pages inside the caller's transaction", async () => {
    const query = Object.assign(new PageQuery(), { count: 'exact' as const });
    const spec = {
      resource: 'lean-documents',
      sort: { name: 'id', property: 'id', type: 'integer' as const },
      where: { tenant: 'tenant-tx' },
      filters: {},
    };
    const inside = dataSource.transaction(async (manager) => {
      await manager.save(WorkloadDocument, {
        name: 'uncommitted',
        version: '1.0.0',
        owner: 'user-tenant-tx',
        tenant: 'tenant-tx',
      });
      const page = await fetchPage(manager, WorkloadDocument, query, spec);
      expect(page.entities.map((d) => d.name)).toEqual(['uncommitted']);
      expect(page.meta.total).toBe(1);
      throw new Error('roll back');
    });
    await expect(inside).rejects.toThrow('roll back');
    const after = await fetchPage(dataSource.manager, WorkloadDocument, query, spec);
    expect(after.meta.total).toBe(0);
  });

  it('refuses to page an entity without a single primary column', async () => {
    const composite = dataSource.entityMetadatas.find((m) => m.primaryColumns.length > 1);
    expect(composite).toBeDefined();
    const spec = {
      resource: 'lean',
      sort: { name: 'created_at', property: 'createdAt', type: 'timestamptz' as const },
      where: {},
      filters: {},
    };
    await expect(
      fetchPage(dataSource.manager, composite!.target, new PageQuery(), spec),
    ).rejects.toThrow('fetchPage needs one primary column');
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

  it('reads every entity of the api in one batch as find() does, by integer conditions and lists', async () => {
    const metadatas = dataSource.entityMetadatas;
    const orders = metadatas.map((metadata) => ({ [primary(metadata)]: 'ASC' as const }));
    const batch = await leanFindAll(
      dataSource.manager,
      metadatas.map((metadata, i) => lean(metadata.target, { where: {}, order: orders[i] })),
    );
    for (const [i, metadata] of metadatas.entries()) {
      const expected = await dataSource.manager.find(metadata.target, {
        order: orders[i] as FindOptionsOrder<ObjectLiteral>,
      });
      expect({ entity: metadata.name, rows: batch[i] }).toStrictEqual({
        entity: metadata.name,
        rows: expected,
      });
    }
    const [one, listed, none, expectations] = await leanFindAll(dataSource.manager, [
      lean(Intent, { where: { id: intent.id } }),
      lean(Intent, { where: { id: [intent.id, -1] } }),
      lean(Intent, { where: { id: [] } }),
      lean(IntentExpectation, { where: { intentId: [intent.id] }, order: { id: 'DESC' } }),
    ]);
    expect(one).toStrictEqual(await dataSource.manager.findBy(Intent, { id: intent.id }));
    expect(listed).toStrictEqual(one);
    expect(none).toEqual([]);
    expect(expectations).toStrictEqual(
      await dataSource.manager.find(IntentExpectation, {
        where: { intentId: intent.id },
        order: { id: 'DESC' },
      }),
    );
  });

  it("batches inside the caller's transaction, on its connection", async () => {
    const inside = dataSource.transaction(async (manager) => {
      const report = await manager.findOneByOrFail(IntentReport, { intentId: intent.id });
      await manager.delete(IntentReport, { id: report.id });
      const [reports, intents] = await leanFindAll(manager, [
        lean(IntentReport, { where: { intentId: intent.id } }),
        lean(Intent, { where: { id: intent.id } }),
      ]);
      expect({ reports: reports.length, intents: intents.length }).toEqual({
        reports: 0,
        intents: 1,
      });
      throw new Error('roll back');
    });
    await expect(inside).rejects.toThrow('roll back');
    const [reports] = await leanFindAll(dataSource.manager, [
      lean(IntentReport, { where: { intentId: intent.id } }),
    ]);
    expect(reports).toHaveLength(1);
  });

  it('binds nothing but integers into a batch, so no value can become SQL', async () => {
    const injected = [`1; DELETE FROM intent`, 1.5, Number.MAX_SAFE_INTEGER + 2];
    for (const value of injected) {
      await expect(
        leanFindAll(dataSource.manager, [lean(Intent, { where: { id: [value as number] } })]),
      ).rejects.toThrow('leanFindAll binds integers only, not id');
    }
    await expect(
      leanFindAll(dataSource.manager, [lean(Intent, { where: { tenant: 'tenant-a' } })]),
    ).rejects.toThrow('leanFindAll binds integers only, not tenant');
    expect(await dataSource.manager.countBy(Intent, { id: intent.id })).toBe(1);
  });

  it('refuses what it cannot express instead of ignoring it', async () => {
    await expect(leanFind(dataSource.manager, Intent, { where: { nosuch: 1 } })).rejects.toThrow(
      'Intent has no column nosuch',
    );
  });
});
