import { NestExpressApplication } from '@nestjs/platform-express';
import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { MAX_LISTED_ERRORS, ProblemDetails } from '../../src/common/errors/problem';
import { resetDatabase, startApi } from '../support/app';
import { authHeader } from '../support/auth';
import { intentBody } from '../factories/intent.factory';

const UUID = '936623ae-8969-4d73-8c04-527d1cb815ac';

/** Each class of hostile input of issue 13, on the routes it was seen on: a 4xx problem, no row. */
describe('Input limits (real api and database)', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let dataSource: DataSource;
  let writer: string;
  let service: string;
  let workloadId: number;
  let intentId: number;

  beforeAll(async () => {
    app = await startApi({ http: { HTTP_JSON_MAX_DEPTH: '32', HTTP_JSON_MAX_ELEMENTS: '2000' } });
    await resetDatabase(app);
    http = request(app.getHttpServer());
    dataSource = app.get(DataSource);
    writer = await authHeader();
    service = await authHeader({ subject: 'meta-orchestrator', roles: ['service'] });
    const workload = await http
      .post('/api/v1/workloads')
      .set('Authorization', writer)
      .send({ name: 'limits', version: '1.0.0', type: 'chart' })
      .expect(201);
    workloadId = workload.body.id;
    const intent = await http
      .post('/api/v1/intents')
      .set('Authorization', writer)
      .send(intentBody())
      .expect(201);
    intentId = intent.body.id;
  });

  afterAll(async () => {
    await app.close();
  });

  const rowCount = async (table: string): Promise<number> =>
    ((await dataSource.query(`SELECT count(*)::int AS n FROM ${table}`)) as [{ n: number }])[0].n;

  function expectProblem(
    response: request.Response,
    status: number,
    code?: string,
  ): ProblemDetails {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.body as ProblemDetails;
    expect(problem).toMatchObject({
      status,
      type: expect.stringMatching(/^https:\/\//),
      title: expect.any(String),
      detail: expect.any(String),
      code: code ?? expect.any(String),
    });
    return problem;
  }

  /** node:http directly: supertest would serialize a Buffer body, and cannot send huge headers. */
  async function rawRequest(options: {
    method?: string;
    path: string;
    headers: Record<string, string>;
    body?: Buffer;
  }): Promise<{ status: number; type: string; body: string }> {
    const { port } = app.getHttpServer().address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const call = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: options.method ?? 'GET',
          path: options.path,
          headers: options.headers,
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              type: response.headers['content-type'] ?? '',
              body,
            }),
          );
        },
      );
      call.on('error', reject);
      call.end(options.body);
    });
  }

  const postJson = (path: string, text: string, auth = writer) =>
    http.post(path).set('Authorization', auth).set('Content-Type', 'application/json').send(text);

  describe('nesting depth and value count', () => {
    it.each([
      ['arrays 20,000 deep at the top level', '['.repeat(20_000) + ']'.repeat(20_000)],
      ['objects 6,000 deep at the top level', '{"a":'.repeat(6000) + '1' + '}'.repeat(6000)],
      [
        'objects 2,000 deep inside values',
        `{"release_name":"x","values":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`,
      ],
      ['an unclosed deep array', '['.repeat(50_000)],
    ])('refuses %s with 400 json_too_deep', async (_name, text) => {
      const response = await postJson(`/api/v1/workloads/${workloadId}/instances`, text);
      expectProblem(response, 400, 'json_too_deep');
    });

    it('accepts nesting up to the limit', async () => {
      // 31 levels of values + the body object = 32: parsed, then refused only as an unaccepted document
      const text = `{"release_name":"x","values":${'{"a":'.repeat(30)}1${'}'.repeat(30)}}`;
      const response = await postJson(`/api/v1/workloads/${workloadId}/instances`, text);
      expectProblem(response, 409, 'workload_not_accepted');
    });

    it('refuses 60,000 keys quickly with a small answer', async () => {
      const keys = Array.from({ length: 60_000 }, (_, i) => `"k${i}":${i}`).join(',');
      const started = Date.now();
      const response = await postJson('/api/v1/intents', `{${keys}}`);
      expect(Date.now() - started).toBeLessThan(1000);
      expectProblem(response, 400, 'json_too_many_elements');
      expect(response.text.length).toBeLessThan(2000);
    });

    it(`lists at most ${MAX_LISTED_ERRORS} field errors, with the total in the detail`, async () => {
      const body = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`unknown_${i}`, i]));
      const response = await http.post('/api/v1/intents').set('Authorization', writer).send(body);
      const problem = expectProblem(response, 400, 'validation_failed');
      expect(problem.errors).toHaveLength(MAX_LISTED_ERRORS);
      expect(problem.detail).toMatch(/\(\d+ errors, the first 20 listed\)/);
      expect(response.text.length).toBeLessThan(10_000);
    });

    it('echoes at most a line of a huge unknown key', async () => {
      const response = await http
        .post('/api/v1/intents')
        .set('Authorization', writer)
        .send({ ['k'.repeat(100_000)]: 1 });
      expectProblem(response, 400, 'validation_failed');
      expect(response.text.length).toBeLessThan(5000);
    });
  });

  describe('NUL characters', () => {
    it.each([
      [
        'workload description',
        '/api/v1/workloads',
        () => ({ name: 'nul', version: '1.0.0', type: 'chart', description: 'a\u0000b' }),
        'description',
      ],
      [
        'an intent string field',
        '/api/v1/intents',
        () => intentBody({ user_label: 'x\u0000' }),
        'user_label',
      ],
      [
        'an object instance deep in an intent',
        '/api/v1/intents',
        () => intentBody({ object_instance: '\u0000' }),
        'intent_expectations[0].expectation_object.object_instance',
      ],
      [
        'inline intents of a new instance (before any render)',
        '/api/v1/workloads/:workload/instances',
        () => ({ release_name: 'nul', intents: [intentBody({ user_label: 'a\u0000' })] }),
        'intents[0].user_label',
      ],
      [
        'helm values',
        '/api/v1/workloads/:workload/instances',
        () => ({ release_name: 'nul', values: { s: '\u0000' } }),
        'values.s',
      ],
    ])('in %s: 400 naming the field', async (_name, path, body, field) => {
      const before = await rowCount('workload_document');
      const response = await http
        .post(path.replace(':workload', String(workloadId)))
        .set('Authorization', writer)
        .send(body());
      const problem = expectProblem(response, 400, 'forbidden_input');
      expect(problem.errors?.map((error) => error.field)).toContain(field);
      expect(await rowCount('workload_document')).toBe(before);
    });

    it('in a status report reason', async () => {
      const response = await http
        .put(`/api/v1/instances/${UUID}/status`)
        .set('Authorization', service)
        .send({ status: 'deployed', reason: 'oops\u0000' });
      expect(expectProblem(response, 400, 'forbidden_input').errors).toEqual([
        { field: 'reason', reason: 'reason contains a NUL character' },
      ]);
    });

    it.each([
      ['/api/v1/workloads?name=a%00', 'name'],
      ['/api/v1/instances?cluster_name=%00', 'cluster_name'],
      ['/api/v1/intents?object_instance=x%00y', 'object_instance'],
      ['/api/v1/intents?user_label=%00', 'user_label'],
    ])('in the query filter %s', async (url, field) => {
      const response = await http.get(url).set('Authorization', writer);
      expect(expectProblem(response, 400, 'forbidden_input').errors?.[0].field).toBe(field);
    });

    it('in a path parameter', async () => {
      const response = await http
        .post('/api/v1/intents/from-template/Deliver%00')
        .set('Authorization', writer)
        .send({ object_instance: UUID });
      expect(expectProblem(response, 400, 'forbidden_input').errors?.[0].field).toBe('path');
    });

    it('in a multipart text field of an upload', async () => {
      const response = await http
        .post(`/api/v1/workloads/${workloadId}/upload`)
        .set('Authorization', writer)
        .field('note', 'a\u0000b')
        .attach('file', Buffer.from('not a chart'), 'x.tgz');
      expect(expectProblem(response, 400, 'forbidden_input').errors?.[0].field).toBe('note');
      const { body } = await http
        .get(`/api/v1/workloads/${workloadId}`)
        .set('Authorization', writer);
      expect(body.status).toBe('pending');
    });
  });

  describe('lone surrogates (a JSON \\ud800 escape without its pair)', () => {
    it.each([
      [
        'an intent string field',
        '/api/v1/intents',
        () => intentBody({ user_label: 'x\ud800' }),
        'user_label',
      ],
      [
        'an object instance deep in an intent',
        '/api/v1/intents',
        () => intentBody({ object_instance: '\udc00y' }),
        'intent_expectations[0].expectation_object.object_instance',
      ],
      [
        'helm values (a jsonb column)',
        '/api/v1/workloads/:workload/instances',
        () => ({ release_name: 'surrogate', values: { s: 'a\ud800b' } }),
        'values.s',
      ],
    ])('in %s: 400 naming the field', async (_name, path, body, field) => {
      const response = await http
        .post(path.replace(':workload', String(workloadId)))
        .set('Authorization', writer)
        .send(body());
      const problem = expectProblem(response, 400, 'forbidden_input');
      expect(problem.errors).toContainEqual({
        field,
        reason: `${field} contains a lone surrogate (not Unicode text)`,
      });
    });

    it('in a key, shown with the surrogate replaced', async () => {
      const response = await http
        .post(`/api/v1/workloads/${workloadId}/instances`)
        .set('Authorization', writer)
        .send({ release_name: 'surrogate', values: { ['k\ud800']: 1 } });
      expect(expectProblem(response, 400, 'forbidden_input').errors).toEqual([
        { field: 'values.k\ufffd', reason: 'the key contains a lone surrogate (not Unicode text)' },
      ]);
    });
  });

  it('refuses a multipart text field over 64 KiB with 400, naming it', async () => {
    const response = await http
      .post(`/api/v1/workloads/${workloadId}/upload`)
      .set('Authorization', writer)
      .field('note', 'x'.repeat(65 * 1024))
      .attach('file', Buffer.from('not a chart'), 'x.tgz');
    expect(expectProblem(response, 400).detail).toMatch(/note/);
    const { body } = await http.get(`/api/v1/workloads/${workloadId}`).set('Authorization', writer);
    expect(body.status).toBe('pending');
  });

  it('refuses a provenance part over 256 KiB with 400 naming it, keeping none past the limit', async () => {
    const response = await http
      .post(`/api/v1/workloads/${workloadId}/upload`)
      .set('Authorization', writer)
      .attach('file', Buffer.from('not a chart'), 'x.tgz')
      .attach('provenance', Buffer.alloc(4 * 1024 * 1024, 'p'), 'x.tgz.prov');
    expect(expectProblem(response, 400, 'validation_failed').errors).toEqual([
      {
        field: 'provenance',
        reason: 'is over 262144 bytes, the most a provenance file has; the rest was not kept',
      },
    ]);
    const { body } = await http.get(`/api/v1/workloads/${workloadId}`).set('Authorization', writer);
    expect(body.status).toBe('pending');
  });

  describe('ids', () => {
    const loose = (id: number): string[] => [
      `0x${id.toString(16)}`,
      `${id}e0`,
      `+${id}`,
      ` ${id}`,
      `${id}.0`,
      `0${id}`,
      `${id} `,
    ];

    it('refuses every loose spelling of an existing id, and deletes nothing', async () => {
      for (const spelling of loose(workloadId)) {
        const response = await http
          .delete(`/api/v1/workloads/${encodeURIComponent(spelling)}`)
          .set('Authorization', writer);
        expect(expectProblem(response, 400, 'invalid_id').errors).toEqual([
          { field: 'id', reason: 'id must be a decimal integer id from 1 to 2147483647' },
        ]);
      }
      for (const spelling of loose(intentId)) {
        const response = await http
          .delete(`/api/v1/intents/${encodeURIComponent(spelling)}`)
          .set('Authorization', writer);
        expectProblem(response, 400, 'invalid_id');
      }
      await http.get(`/api/v1/workloads/${workloadId}`).set('Authorization', writer).expect(200);
      await http.get(`/api/v1/intents/${intentId}`).set('Authorization', writer).expect(200);
    });

    it.each([
      ['GET', '/api/v1/workloads/2147483648'],
      ['GET', '/api/v1/workloads/0'],
      ['POST', '/api/v1/workloads/2147483648/instances'],
      ['GET', '/api/v1/intents/2147483648'],
      ['PATCH', '/api/v1/intents/2147483648'],
      ['GET', '/api/v1/intents/2147483648/report'],
      ['PUT', '/api/v1/intents/2147483648/report'],
    ])('refuses %s %s (beyond int4) with 400', async (method, path) => {
      const auth = path.endsWith('/report') && method === 'PUT' ? service : writer;
      const response = await http[method.toLowerCase() as 'get'](path)
        .set('Authorization', auth)
        .send({});
      expectProblem(response, 400, 'invalid_id');
    });

    it('refuses an upload to an id beyond int4', async () => {
      const response = await http
        .post('/api/v1/workloads/99999999999/upload')
        .set('Authorization', writer)
        .attach('file', Buffer.from('not a chart'), 'x.tgz');
      expectProblem(response, 400, 'invalid_id');
    });

    it('accepts the largest int4 id (and answers 404)', async () => {
      const response = await http.get('/api/v1/intents/2147483647').set('Authorization', writer);
      expectProblem(response, 404);
    });

    it.each(['1e3', '0x10', '+16', '16.0', '2147483648', '0'])(
      'refuses workload_document_id=%s',
      async (value) => {
        const response = await http
          .get(`/api/v1/instances?workload_document_id=${encodeURIComponent(value)}`)
          .set('Authorization', writer);
        expect(expectProblem(response, 400, 'validation_failed').errors?.[0].field).toBe(
          'workload_document_id',
        );
      },
    );

    it.each(['page=1e3', 'page=2147483648', 'limit=0x10', 'page=%201'])(
      'refuses %s',
      async (query) => {
        const response = await http.get(`/api/v1/workloads?${query}`).set('Authorization', writer);
        expectProblem(response, 400, 'validation_failed');
      },
    );

    it('refuses a target id beyond int4 in a fulfilment report', async () => {
      const response = await http
        .put(`/api/v1/intents/${intentId}/report`)
        .set('Authorization', service)
        .send([{ target: 2 ** 31, target_achieved_value: 1 }]);
      expectProblem(response, 400, 'validation_failed');
    });

    it.each([` ${UUID}`, `${UUID}0`, UUID.replace(/-/g, ''), `{${UUID}}`, 'x'])(
      'refuses the instance id %j',
      async (value) => {
        const response = await http
          .get(`/api/v1/instances/${encodeURIComponent(value)}`)
          .set('Authorization', writer);
        expect(expectProblem(response, 400, 'invalid_id').errors?.[0].field).toBe('instance_id');
      },
    );
  });

  describe('content encoding and type', () => {
    it('answers a gzip body that is not gzip with 400', async () => {
      const response = await postJson('/api/v1/intents', JSON.stringify(intentBody())).set(
        'Content-Encoding',
        'gzip',
      );
      expect(expectProblem(response, 400, 'unreadable_body').detail).toMatch(/Content-Encoding/);
    });

    it('reads a real gzip body', async () => {
      const response = await rawRequest({
        method: 'POST',
        path: '/api/v1/workloads',
        headers: {
          Authorization: writer,
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
        },
        body: gzipSync(JSON.stringify({ name: 'zipped', version: '1.0.0', type: 'chart' })),
      });
      expect(response.status).toBe(201);
      const created = JSON.parse(response.body) as { id: number; name: string };
      expect(created.name).toBe('zipped');
      await http.delete(`/api/v1/workloads/${created.id}`).set('Authorization', writer).expect(204);
    });

    it.each(['compress', 'x-evil', 'gzip, br'])(
      'answers Content-Encoding %s with 415',
      async (encoding) => {
        const response = await postJson('/api/v1/intents', '{}').set('Content-Encoding', encoding);
        expectProblem(response, 415, 'unsupported_content_encoding');
      },
    );

    it('answers a non-UTF-8 charset with 415', async () => {
      const response = await http
        .post('/api/v1/intents')
        .set('Authorization', writer)
        .set('Content-Type', 'application/json; charset=latin1')
        .send('{}');
      expectProblem(response, 415, 'unsupported_charset');
    });

    it.each([
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
      'multipart/form-data; boundary=x',
    ])('answers a PATCH with %s with 415 and changes nothing', async (type) => {
      const response = await http
        .patch(`/api/v1/intents/${intentId}`)
        .set('Authorization', writer)
        .set('Content-Type', type)
        .send('user_label=changed');
      expectProblem(response, 415, 'unsupported_media_type');
      const { body } = await http.get(`/api/v1/intents/${intentId}`).set('Authorization', writer);
      expect(body.user_label).toBe('DeliverComputingWorkload');
    });

    it('authenticates and authorizes before it looks at the media type', async () => {
      const anonymous = await http
        .patch(`/api/v1/intents/${intentId}`)
        .set('Content-Type', 'text/plain')
        .send('user_label=changed');
      expectProblem(anonymous, 401, 'missing_token');
      const reader = await authHeader({ subject: 'reader', roles: ['reader'] });
      const forbidden = await http
        .patch(`/api/v1/intents/${intentId}`)
        .set('Authorization', reader)
        .set('Content-Type', 'text/plain')
        .send('user_label=changed');
      expectProblem(forbidden, 403, 'insufficient_permission');
    });

    it('answers a POST without a content type with 415', async () => {
      const response = await http
        .post('/api/v1/workloads')
        .set('Authorization', writer)
        .send(Buffer.from('{"name":"a","version":"1.0.0","type":"chart"}'));
      expectProblem(response, 415, 'unsupported_media_type');
    });

    it('answers a JSON body on the upload route with 415', async () => {
      const response = await http
        .post(`/api/v1/workloads/${workloadId}/upload`)
        .set('Authorization', writer)
        .send({ file: 'x' });
      expectProblem(response, 415, 'unsupported_media_type');
    });
  });

  describe('required nested objects', () => {
    it('names a missing expectation_object', async () => {
      const body = intentBody();
      delete (body.intent_expectations as Array<Record<string, unknown>>)[0].expectation_object;
      const response = await http.post('/api/v1/intents').set('Authorization', writer).send(body);
      expect(expectProblem(response, 400, 'validation_failed').errors).toContainEqual({
        field: 'intent_expectations[0].expectation_object',
        reason: 'expectation_object must be an object',
      });
    });

    it.each([null, 'x', 7, []])('names an expectation_object of %j', async (value) => {
      const body = intentBody();
      (body.intent_expectations as Array<Record<string, unknown>>)[0].expectation_object = value;
      const response = await http.post('/api/v1/intents').set('Authorization', writer).send(body);
      const fields = expectProblem(response, 400).errors?.map((error) => error.field);
      expect(fields).toContain('intent_expectations[0].expectation_object');
    });

    it.each([null, 'x', 7])('refuses an expectation of %j', async (value) => {
      const body = { ...intentBody(), intent_expectations: [value] };
      const response = await http.post('/api/v1/intents').set('Authorization', writer).send(body);
      expectProblem(response, 400);
    });

    it('refuses a null item in every list of objects', async () => {
      const intent = intentBody();
      const expectation = (intent.intent_expectations as Array<Record<string, unknown>>)[0];
      const withExpectation = (change: Record<string, unknown>) => ({
        ...intent,
        intent_expectations: [{ ...expectation, ...change }],
      });
      const cases: Array<{ method: 'post' | 'put'; path: string; body: object; auth: string }> = [
        {
          method: 'post',
          path: '/api/v1/intents',
          body: { ...intent, intent_contexts: [null] },
          auth: writer,
        },
        {
          method: 'post',
          path: '/api/v1/intents',
          body: withExpectation({ expectation_targets: [null] }),
          auth: writer,
        },
        {
          method: 'post',
          path: '/api/v1/intents',
          body: withExpectation({ expectation_contexts: [null] }),
          auth: writer,
        },
        {
          method: 'post',
          path: '/api/v1/intents/from-template/DeliverComputingWorkload',
          body: { object_instance: UUID, targets: [null] },
          auth: writer,
        },
        {
          method: 'put',
          path: `/api/v1/intents/${intentId}/report`,
          body: { target_fulfilment_results: [null] },
          auth: service,
        },
        {
          method: 'post',
          path: `/api/v1/workloads/${workloadId}/instances`,
          body: { release_name: 'x', intents: [null] },
          auth: writer,
        },
      ];
      for (const { method, path, body, auth } of cases) {
        const response = await http[method](path).set('Authorization', auth).send(body);
        expectProblem(response, 400, 'validation_failed');
      }
    });

    it('names a missing expectation_object in a PATCH and an inline intent', async () => {
      const expectations = [{ expectation_verb: 'DELIVER', expectation_targets: [] }];
      const patch = await http
        .patch(`/api/v1/intents/${intentId}`)
        .set('Authorization', writer)
        .send({ intent_expectations: expectations });
      expect(expectProblem(patch, 400).errors?.map((error) => error.field)).toContain(
        'intent_expectations[0].expectation_object',
      );
      const inline = await http
        .post(`/api/v1/workloads/${workloadId}/instances`)
        .set('Authorization', writer)
        .send({
          release_name: 'x',
          intents: [{ user_label: 'a', intent_expectations: expectations }],
        });
      expect(expectProblem(inline, 400).errors?.map((error) => error.field)).toContain(
        'intents[0].intent_expectations[0].expectation_object',
      );
    });
  });

  describe('prototype keys', () => {
    it.each(['__proto__', 'constructor', 'prototype'])(
      'refuses %s anywhere in a body',
      async (key) => {
        for (const [path, text] of [
          ['/api/v1/workloads', `{"name":"p","version":"1.0.0","type":"chart","${key}":{"x":1}}`],
          [
            `/api/v1/workloads/${workloadId}/instances`,
            `{"release_name":"p","values":{"a":{"${key}":{"x":1}}}}`,
          ],
          [
            '/api/v1/intents',
            JSON.stringify(intentBody()).replace(
              '"object_contexts":[]',
              `"object_contexts":[],"${key}":1`,
            ),
          ],
        ]) {
          const response = await postJson(path, text);
          const problem = expectProblem(response, 400, 'forbidden_input');
          expect(problem.errors?.[0]).toMatchObject({ reason: `the key ${key} is not accepted` });
        }
      },
    );
  });

  it('answers oversized headers with a problem+json 431', async () => {
    const answer = await rawRequest({ path: '/healthz', headers: { 'X-Big': 'x'.repeat(32_000) } });
    expect(answer.status).toBe(431);
    expect(answer.type).toBe('application/problem+json');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 431, code: 'headers_too_large' });
  });
});
