import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { dataSourceOptions } from '../../../src/database/data-source-options';
import type { KubernetesManifest } from '../../../src/common/kubernetes-manifest';
import { InstanceManifestSet } from '../../../src/instance/entities/instance-manifest-set.entity';
import { InstanceRevision } from '../../../src/instance/entities/instance-revision.entity';
import { RevisionStore } from '../../../src/instance/revisions/revision-store';

/**
 * Manifest sets are shared by content across instances and documents; the ones no revision
 * references any more go with the last workload document whose revisions had them (migration
 * 1764001800000), also when a render re-uses a set while that document is being deleted.
 */
describe('Pruning of manifest sets without revisions (real PostgreSQL)', () => {
  let dataSource: DataSource;
  const store = new RevisionStore();
  const tag = randomUUID().slice(0, 8);

  const manifests = (name: string): KubernetesManifest[] => [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${tag}-${name}` } },
  ];

  async function documentWithInstance(): Promise<{ document: number; instance: number }> {
    const [{ id: document }] = (await dataSource.query(
      `INSERT INTO workload_document (tenant, owner, name, version, status)
       VALUES ('prune', 'alice', $1, '1.0.0', 'accepted') RETURNING id`,
      [`prune-${tag}-${randomUUID().slice(0, 6)}`],
    )) as Array<{ id: number }>;
    const [{ id: instance }] = (await dataSource.query(
      `INSERT INTO workload_instance
         (instance_id, workload_document_id, release_name, status, manifests, owner, tenant)
       VALUES ($1, $2, $3, 'rendered', '[]', 'alice', 'prune') RETURNING id`,
      [randomUUID(), document, `prune-${randomUUID().slice(0, 8)}`],
    )) as Array<{ id: number }>;
    return { document, instance };
  }

  const append = (
    manager: EntityManager,
    owner: { document: number; instance: number },
    revision: number,
    content: KubernetesManifest[],
  ) =>
    store.append(
      manager,
      {
        instanceDbId: owner.instance,
        revision,
        origin: revision === 1 ? 'create' : 'upgrade',
        rollbackOf: null,
        workloadDocumentId: owner.document,
        chartName: 'prune',
        chartVersion: '1.0.0',
        values: { revision },
        ingressEnabled: false,
        exposedUrls: [],
        clusterName: null,
        kubeVersion: null,
        status: 'rendered',
        createdBy: 'alice',
      },
      content,
    );

  const digestOf = async (owner: { instance: number }, revision: number): Promise<string> =>
    (
      await dataSource.manager.findOneByOrFail(InstanceRevision, {
        instanceDbId: owner.instance,
        revision,
      })
    ).manifestsDigest;

  const setExists = (digest: string): Promise<boolean> =>
    dataSource.manager.existsBy(InstanceManifestSet, { digest });

  const deleteDocument = (manager: EntityManager, document: number) =>
    manager.query(`DELETE FROM workload_document WHERE id = $1`, [document]);

  beforeAll(async () => {
    dataSource = new DataSource({
      ...dataSourceOptions(process.env.DATABASE_URL ?? '', 4),
      entities: [InstanceRevision, InstanceManifestSet],
    });
    await dataSource.initialize();
  });

  afterAll(() => dataSource.destroy());

  it('deletes the sets only a deleted document had and keeps the ones other revisions share', async () => {
    const a = await documentWithInstance();
    const b = await documentWithInstance();
    await dataSource.transaction(async (m) => {
      await append(m, a, 1, manifests('only-a'));
      await append(m, a, 2, manifests('shared'));
      await append(m, b, 1, manifests('shared'));
      await append(m, b, 2, manifests('only-b'));
    });
    const [onlyA, shared, onlyB] = [
      await digestOf(a, 1),
      await digestOf(a, 2),
      await digestOf(b, 2),
    ];
    expect(await digestOf(b, 1)).toBe(shared);

    await deleteDocument(dataSource.manager, a.document);
    expect([await setExists(onlyA), await setExists(shared), await setExists(onlyB)]).toEqual([
      false,
      true,
      true,
    ]);

    await deleteDocument(dataSource.manager, b.document);
    expect([await setExists(shared), await setExists(onlyB)]).toEqual([false, false]);
  });

  it('keeps a set that a render in flight re-uses while the last document having it goes', async () => {
    const gone = await documentWithInstance();
    const rendering = await documentWithInstance();
    await dataSource.transaction((m) => append(m, gone, 1, manifests('reused')));
    const digest = await digestOf(gone, 1);

    const render = dataSource.createQueryRunner();
    await render.connect();
    await render.startTransaction();
    try {
      await append(render.manager, rendering, 1, manifests('reused'));
      // The deletion does not wait for the render: it skips the set the render holds.
      await deleteDocument(dataSource.manager, gone.document);
      await render.commitTransaction();
    } finally {
      await render.release();
    }
    expect(await setExists(digest)).toBe(true);
    expect(await digestOf(rendering, 1)).toBe(digest);
  });

  it('a render that re-uses a set while its last document is being deleted stores it afresh', async () => {
    const gone = await documentWithInstance();
    const rendering = await documentWithInstance();
    await dataSource.transaction((m) => append(m, gone, 1, manifests('afresh')));
    const digest = await digestOf(gone, 1);

    const deletion = dataSource.createQueryRunner();
    await deletion.connect();
    await deletion.startTransaction();
    let render: Promise<InstanceRevision> | undefined;
    try {
      await deleteDocument(deletion.manager, gone.document);
      // Waits for the deletion's lock on the set, then finds it gone and inserts it again.
      render = dataSource.transaction((m) => append(m, rendering, 1, manifests('afresh')));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await deletion.commitTransaction();
    } finally {
      await deletion.release();
    }
    await expect(render).resolves.toMatchObject({ manifestsDigest: digest });
    expect(await setExists(digest)).toBe(true);
  });
});
