import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { resetDatabase, startApi } from '../support/app';
import { authHeader } from '../support/auth';

/** Tenancy through a real owned resource: workload documents (POST /api/v1/workloads). */
describe('Tenancy on workload documents', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let workloadId: number;
  const tenantA = authHeader({ subject: 'alice', tenant: 'tenant-a', roles: ['writer'] });
  const tenantB = authHeader({ subject: 'bob', tenant: 'tenant-b', roles: ['writer'] });

  beforeAll(async () => {
    app = await startApi();
    await resetDatabase(app);
    http = request(app.getHttpServer());
    const created = await http
      .post('/api/v1/workloads')
      .set('Authorization', await tenantA)
      .send({ name: 'tenancy-probe', version: '1.0.0', type: 'chart' })
      .expect(201);
    workloadId = created.body.id;
  });

  afterAll(async () => {
    await app.close();
  });

  it('shows the owner tenant its document', async () => {
    await http
      .get(`/api/v1/workloads/${workloadId}`)
      .set('Authorization', await tenantA)
      .expect(200);
  });

  it('answers 404 to another tenant reading or deleting it, and lists none of it', async () => {
    const res = await http
      .get(`/api/v1/workloads/${workloadId}`)
      .set('Authorization', await tenantB)
      .expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    await http
      .delete(`/api/v1/workloads/${workloadId}`)
      .set('Authorization', await tenantB)
      .expect(404);
    const list = await http
      .get('/api/v1/workloads')
      .set('Authorization', await tenantB)
      .expect(200);
    expect(list.body.items).toEqual([]);
    await http
      .get(`/api/v1/workloads/${workloadId}`)
      .set('Authorization', await tenantA)
      .expect(200);
  });

  it('lets an admin see every tenant', async () => {
    const admin = await authHeader({ subject: 'root', tenant: null, roles: ['admin'] });
    await http.get(`/api/v1/workloads/${workloadId}`).set('Authorization', admin).expect(200);
    const list = await http.get('/api/v1/workloads').set('Authorization', admin).expect(200);
    expect(list.body.items.map((item: { id: number }) => item.id)).toContain(workloadId);
  });

  it("refuses a reader's write with 403 before anything is stored", async () => {
    const reader = await authHeader({ subject: 'rita', tenant: 'tenant-a', roles: ['reader'] });
    const res = await http
      .post('/api/v1/workloads')
      .set('Authorization', reader)
      .send({ name: 'reader-write', version: '1.0.0', type: 'chart' })
      .expect(403);
    expect(res.body.code).toBe('insufficient_permission');
    await http.delete(`/api/v1/workloads/${workloadId}`).set('Authorization', reader).expect(403);
    const list = await http.get('/api/v1/workloads').set('Authorization', reader).expect(200);
    expect(list.body.items.map((item: { name: string }) => item.name)).toEqual(['tenancy-probe']);
  });
});
