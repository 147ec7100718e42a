import { NestExpressApplication } from '@nestjs/platform-express';
import { load } from 'js-yaml';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { authHeader } from '../support/auth';
import { startApi } from '../support/app';
import { freshBucketPath } from '../integration/workload/support';

describe('Helm repository routes and the workload OpenAPI contract', () => {
  let api: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let work: string;
  const bucket = freshBucketPath();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-helm-repo-e2e-'));
    api = await startApi({
      helmRepository: { HELM_REPOSITORY_BUCKET: bucket, HELM_REPOSITORY_NAME: 'nemo-e2e' },
      workDir: { WORK_DIR: work },
    });
    http = request(api.getHttpServer());
  });

  afterAll(async () => {
    await api?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('serves the index (initialized empty at start-up) as text/yaml to any reader', async () => {
    const reader = await authHeader({ roles: ['reader'], tenant: 'tenant-z' });
    const response = await http
      .get('/api/v1/helm-repo/index.yaml')
      .set('Authorization', reader)
      .expect(200);
    expect(response.headers['content-type']).toBe('text/yaml; charset=utf-8');
    expect(load(response.text)).toMatchObject({ apiVersion: 'v1', entries: {} });
    const charts = await http
      .get('/api/v1/helm-repo/charts')
      .set('Authorization', reader)
      .expect(200);
    const [, name, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(bucket) ?? [];
    expect(charts.body).toEqual({
      repository_name: 'nemo-e2e',
      repository_url: `${process.env.AWS_ENDPOINT}/${name}/${prefix}`,
      items: [],
    });
  });

  it('requires a token', async () => {
    await http.get('/api/v1/helm-repo/index.yaml').expect(401);
    await http.get('/api/v1/helm-repo/charts').expect(401);
  });

  it('documents every workload and helm-repo operation with its id, responses and schemas', async () => {
    const doc = (await http.get('/api/docs-json').expect(200)).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            operationId: string;
            responses: Record<string, unknown>;
            requestBody?: { content: Record<string, unknown> };
          }
        >
      >;
      components: { schemas: Record<string, unknown> };
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, ...operation })),
    );
    const byId = (id: string) => operations.find((operation) => operation.operationId === id);
    expect(byId('workloads_create')).toMatchObject({ path: '/api/v1/workloads', method: 'post' });
    expect(Object.keys(byId('workloads_create')!.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '409']),
    );
    expect(byId('workloads_upload')).toMatchObject({
      path: '/api/v1/workloads/{id}/upload',
      method: 'post',
    });
    expect(Object.keys(byId('workloads_upload')!.responses)).toEqual(
      expect.arrayContaining(['202', '400', '404', '409', '413']),
    );
    expect(byId('workloads_upload')!.requestBody!.content).toHaveProperty('multipart/form-data');
    expect(byId('workloads_list')).toMatchObject({ path: '/api/v1/workloads', method: 'get' });
    expect(byId('workloads_get')).toMatchObject({ path: '/api/v1/workloads/{id}', method: 'get' });
    expect(byId('workloads_delete')).toMatchObject({
      path: '/api/v1/workloads/{id}',
      method: 'delete',
    });
    expect(Object.keys(byId('workloads_delete')!.responses)).toEqual(
      expect.arrayContaining(['204', '404', '409']),
    );
    expect(byId('helm_repo_list_charts')).toMatchObject({
      path: '/api/v1/helm-repo/charts',
      method: 'get',
    });
    expect(byId('helm_repo_index')!.responses['200']).toMatchObject({
      content: { 'text/yaml': expect.anything() },
    });
    for (const schema of [
      'WorkloadStatus',
      'WorkloadType',
      'OnboardingStep',
      'WorkloadSortField',
      'WorkloadDetailResponse',
      'ChartListResponse',
    ]) {
      expect(doc.components.schemas).toHaveProperty(schema);
    }
  });
});
