import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { freePort } from '../support/service-process';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { IntentService } from '../../src/intent/intent.service';
import { SubscriptionService } from '../../src/subscription/subscription.service';
import { intentBody } from '../factories/intent.factory';
import { resetDatabase, startApi } from '../support/app';
import { authHeader } from '../support/auth';
import { startWorker } from '../support/worker';
import { eventually, ReceivedDelivery, WebhookReceiver } from '../support/webhook-receiver';

/** Fast retries and an early pause, so the failure paths run in seconds. */
const CONFIG = {
  subscription: {
    SUBSCRIPTION_RETRY_BASE_MS: 40,
    SUBSCRIPTION_RETRY_MAX_MS: 200,
    SUBSCRIPTION_POLL_INTERVAL_MS: 20,
    // above the flaky receiver's worst streak: 2 objects × 2 failures in a row
    SUBSCRIPTION_PAUSE_AFTER_FAILURES: 6,
    SUBSCRIPTION_TIMEOUT_MS: 5000,
  },
};

describe('Webhook subscriptions (e2e: api + worker + a receiver)', () => {
  let app: NestExpressApplication;
  let worker: INestApplication | undefined;
  let http: ReturnType<typeof request>;
  let dataSource: DataSource;
  let receiver: WebhookReceiver;
  let writer: string;
  let reporter: string;
  let otherTenant: string;
  let reader: string;

  beforeAll(async () => {
    app = await startApi(CONFIG);
    await resetDatabase(app);
    http = request(app.getHttpServer());
    dataSource = app.get(DataSource);
    // Every object instance is the caller's: intents are FEASIBLE and take reports.
    app.get(IntentService).registerObjectResolver('NEMO_WORKLOAD', async () => true);
    receiver = new WebhookReceiver();
    await receiver.start();
    [writer, reporter, otherTenant, reader] = await Promise.all([
      authHeader(),
      authHeader({ subject: 'monitoring', roles: ['service'] }),
      authHeader({ tenant: 'tenant-b' }),
      authHeader({ roles: ['reader'] }),
    ]);
  });

  afterAll(async () => {
    await worker?.close();
    await receiver.stop();
    await app.close();
  });

  const subscribe = async (
    body: Record<string, unknown>,
    auth = writer,
  ): Promise<{ id: number; secret: string }> =>
    (await http.post('/api/v1/subscriptions').set('Authorization', auth).send(body).expect(201))
      .body as { id: number; secret: string };

  const createIntent = async (objectInstance: string): Promise<number> =>
    (
      await http
        .post('/api/v1/intents')
        .set('Authorization', writer)
        .send(intentBody({ object_instance: objectInstance }))
        .expect(201)
    ).body.id as number;

  describe('the resource', () => {
    it('answers the secret once, never again, and scopes subscriptions by tenant', async () => {
      const created = await subscribe({
        callback_url: receiver.url('/resource'),
        events: ['intent.created'],
        filter: { subject: '12' },
      });
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect(created).toMatchObject({
        callback_url: receiver.url('/resource'),
        events: ['intent.created'],
        filter: { subject: '12' },
        status: 'active',
        consecutive_failures: 0,
        last_error: null,
        pending_deliveries: 0,
      });
      const got = await http
        .get(`/api/v1/subscriptions/${created.id}`)
        .set('Authorization', reader)
        .expect(200);
      expect(got.body).not.toHaveProperty('secret');
      expect(JSON.stringify(got.body)).not.toContain(created.secret);
      await http
        .get(`/api/v1/subscriptions/${created.id}`)
        .set('Authorization', otherTenant)
        .expect(404);
      await http
        .delete(`/api/v1/subscriptions/${created.id}`)
        .set('Authorization', otherTenant)
        .expect(404);
      await http
        .delete(`/api/v1/subscriptions/${created.id}`)
        .set('Authorization', writer)
        .expect(204);
      await http
        .get(`/api/v1/subscriptions/${created.id}`)
        .set('Authorization', writer)
        .expect(404);
    });

    it('lists by cursor without repeating or skipping a subscription', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 5; i++)
        ids.push(
          (
            await subscribe({
              callback_url: receiver.url(`/list-${i}`),
              events: ['intent.deleted'],
            })
          ).id,
        );
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await http
          .get('/api/v1/subscriptions')
          .query(cursor ? { limit: 2, cursor } : { limit: 2 })
          .set('Authorization', writer)
          .expect(200);
        seen.push(...(page.body.items as Array<{ id: number }>).map((item) => item.id));
        cursor = page.body.meta.next_cursor as string | null;
      } while (cursor);
      // newest first, the default order of every list
      expect(seen).toEqual([...ids].reverse());
      const foreign = await http
        .get('/api/v1/subscriptions')
        .set('Authorization', otherTenant)
        .expect(200);
      expect(foreign.body.items).toEqual([]);
      for (const id of ids)
        await http.delete(`/api/v1/subscriptions/${id}`).set('Authorization', writer).expect(204);
    });

    it.each([
      [{ callback_url: 'http://127.0.0.1:9/x', events: ['intent.exploded'] }, 'events'],
      [{ callback_url: 'http://127.0.0.1:9/x', events: [] }, 'events'],
      [
        { callback_url: 'http://127.0.0.1:9/x', events: ['intent.created', 'intent.created'] },
        'events',
      ],
      [{ callback_url: 'http://10.1.2.3/hook', events: ['intent.created'] }, 'callback_url'],
      [
        { callback_url: 'http://169.254.169.254/latest/meta-data', events: ['intent.created'] },
        'callback_url',
      ],
      [{ callback_url: 'http://192.168.1.10:8080/', events: ['intent.created'] }, 'callback_url'],
      [{ callback_url: 'http://[::1]:8080/', events: ['intent.created'] }, 'callback_url'],
      [
        { callback_url: 'http://user:pw@127.0.0.1:9/x', events: ['intent.created'] },
        'callback_url',
      ],
      [{ callback_url: 'ftp://127.0.0.1/x', events: ['intent.created'] }, 'callback_url'],
      [{ callback_url: 'file:///etc/passwd', events: ['intent.created'] }, 'callback_url'],
      [
        {
          callback_url: 'http://127.0.0.1:9/x',
          events: ['intent.created'],
          filter: { subject: 'a b' },
        },
        'filter.subject',
      ],
      [
        { callback_url: 'http://127.0.0.1:9/x', events: ['intent.created'], secret: 'mine' },
        'secret',
      ],
    ])('refuses %j naming %s (400 problem+json)', async (body, field) => {
      const answer = await http
        .post('/api/v1/subscriptions')
        .set('Authorization', writer)
        .send(body)
        .expect(400);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      const fields = (answer.body.errors as Array<{ field: string }>).map((e) => e.field);
      expect(fields.some((name) => name === field || name.startsWith(`${field}[`))).toBe(true);
      const [{ count }] = (await dataSource.query(
        'SELECT count(*)::int AS count FROM webhook_subscription',
      )) as Array<{ count: number }>;
      expect(count).toBe(0);
    });

    it('refuses a status outside the enum and readers writing', async () => {
      const { id } = await subscribe({
        callback_url: receiver.url('/enum'),
        events: ['intent.created'],
      });
      const bad = await http
        .patch(`/api/v1/subscriptions/${id}`)
        .set('Authorization', writer)
        .send({ status: 'sleeping' })
        .expect(400);
      expect(bad.body.errors[0].field).toBe('status');
      await http
        .post('/api/v1/subscriptions')
        .set('Authorization', reader)
        .send({ callback_url: receiver.url('/enum'), events: ['intent.created'] })
        .expect(403);
      await http.delete(`/api/v1/subscriptions/${id}`).set('Authorization', writer).expect(204);
    });

    it('records nothing for a change that rolls back', async () => {
      const { id } = await subscribe({
        callback_url: receiver.url('/rollback'),
        events: ['intent.changed'],
      });
      const subscriptions = app.get(SubscriptionService);
      await expect(
        dataSource.transaction(async (m) => {
          await subscriptions.record(m, {
            event: 'intent.changed',
            tenant: 'tenant-a',
            subject: '1',
            data: { id: 1 },
          });
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      const [{ count }] = (await dataSource.query(
        'SELECT count(*)::int AS count FROM webhook_delivery',
      )) as Array<{ count: number }>;
      expect(count).toBe(0);
      await http.delete(`/api/v1/subscriptions/${id}`).set('Authorization', writer).expect(204);
    });
  });

  describe('deliveries', () => {
    const EVENTS = ['intent.created', 'intent.changed', 'intent.report.changed', 'intent.deleted'];
    let steady: { id: number; secret: string };
    let flaky: { id: number; secret: string };
    let dead: { id: number; secret: string };
    let foreign: { id: number; secret: string };

    beforeAll(async () => {
      await dataSource.query('TRUNCATE webhook_subscription CASCADE');
      steady = await subscribe({ callback_url: receiver.url('/steady'), events: EVENTS });
      flaky = await subscribe({ callback_url: receiver.url('/flaky'), events: EVENTS });
      dead = await subscribe({
        // nothing listens on a port just freed: connections are refused at once (a dead receiver)
        callback_url: `http://127.0.0.1:${await freePort()}/dead`,
        events: EVENTS,
      });
      foreign = await subscribe(
        { callback_url: receiver.url('/foreign'), events: EVENTS },
        otherTenant,
      );
      receiver.expect('/steady', steady.secret);
      receiver.expect('/flaky', flaky.secret, { failFirst: 2 });
      receiver.expect('/foreign', foreign.secret);
      worker = await startWorker({ config: CONFIG });
    });

    /** The changes, in order, for two intents: created, 3 changes, a report, deleted (each). */
    async function makeChanges(): Promise<Map<string, string[]>> {
      const expected = new Map<string, string[]>();
      const ids = [
        await createIntent('e4708935-c65b-4159-9c81-8e33524ca1e7'),
        await createIntent('936623ae-8969-4d73-8c04-527d1cb815ac'),
      ];
      for (const id of ids) expected.set(String(id), ['eu.nemo.intent.created']);
      for (let round = 0; round < 3; round++)
        for (const id of ids) {
          await http
            .patch(`/api/v1/intents/${id}`)
            .set('Authorization', writer)
            .send({ observation_period: 100 + round })
            .expect(200);
          expected.get(String(id))!.push('eu.nemo.intent.changed', 'eu.nemo.intent.report.changed');
        }
      for (const id of ids) {
        const intent = await http
          .get(`/api/v1/intents/${id}`)
          .set('Authorization', writer)
          .expect(200);
        const target = intent.body.intent_expectations[0].expectation_targets[0].id as number;
        await http
          .put(`/api/v1/intents/${id}/report`)
          .set('Authorization', reporter)
          .send({ target_fulfilment_results: [{ target, target_achieved_value: 12 }] })
          .expect(200);
        expected.get(String(id))!.push('eu.nemo.intent.report.changed');
        await http.delete(`/api/v1/intents/${id}`).set('Authorization', writer).expect(204);
        expected.get(String(id))!.push('eu.nemo.intent.deleted');
      }
      return expected;
    }

    /**
     * What a receiver keeps: the first copy of each delivery id. At-least-once: an attempt the
     * receiver answered but whose answer came too late is sent again, as the same delivery.
     */
    const firstCopies = (deliveries: ReceivedDelivery[]): ReceivedDelivery[] =>
      deliveries.filter(
        (d, i) => deliveries.findIndex((o) => o.event.nemodelivery === d.event.nemodelivery) === i,
      );

    const bySubject = (deliveries: ReceivedDelivery[]): Map<string, string[]> => {
      const result = new Map<string, string[]>();
      for (const d of deliveries)
        result.set(d.event.subject, [...(result.get(d.event.subject) ?? []), d.event.type]);
      return result;
    };

    it('delivers every change, signed, in order per object, retrying a failing receiver, pausing a dead one', async () => {
      const expected = await makeChanges();
      const total = [...expected.values()].flat().length;
      await eventually(
        () =>
          firstCopies(receiver.accepted('/steady')).length >= total &&
          firstCopies(receiver.accepted('/flaky')).length >= total,
        30000,
        'every delivery to the steady and the flaky receiver',
      );
      for (const path of ['/steady', '/flaky']) {
        const accepted = firstCopies(receiver.accepted(path));
        expect(receiver.accepted(path).every((d) => d.signatureValid)).toBe(true);
        // one delivery per change, each object's in the order of its changes
        expect(accepted).toHaveLength(total);
        expect(bySubject(accepted)).toEqual(expected);
        for (const d of accepted) {
          expect(d.event.specversion).toBe('1.0');
          expect(d.event.source).toBe('/api/v1/intents');
          expect(d.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
          expect(d.headers['x-nemo-delivery']).toBe(d.event.nemodelivery);
          expect(Number(d.headers['x-nemo-timestamp'])).toBe(
            Math.floor(Date.parse(d.event.nemosentat) / 1000),
          );
        }
      }
      // The flaky receiver answered 503 twice for every delivery before it accepted it.
      const flakyAll = receiver.received.filter((d) => d.path === '/flaky');
      expect(flakyAll.filter((d) => d.answered === 503)).toHaveLength(2 * total);
      const attempts = flakyAll.filter(
        (d) => d.event.nemodelivery === flakyAll[0].event.nemodelivery,
      );
      expect(attempts.slice(0, 3).map((d) => d.event.nemoattempt)).toEqual([1, 2, 3]);
      expect(new Set(attempts.map((d) => d.event.nemosentat)).size).toBe(attempts.length);
      expect(attempts[2].receivedAt - attempts[0].receivedAt).toBeGreaterThanOrEqual(40);
      // The same event has the same CloudEvents id for every subscriber, another delivery id.
      const steadyFirst = receiver.accepted('/steady')[0];
      const flakyTwin = receiver
        .accepted('/flaky')
        .find((d) => d.event.id === steadyFirst.event.id)!;
      expect(flakyTwin.event.nemodelivery).not.toBe(steadyFirst.event.nemodelivery);
      expect(flakyTwin.event.data).toEqual(steadyFirst.event.data);
      // The other tenant's subscription heard nothing of tenant-a's intents.
      expect(receiver.received.filter((d) => d.path === '/foreign')).toEqual([]);

      await eventually(
        async () =>
          (await http.get(`/api/v1/subscriptions/${dead.id}`).set('Authorization', writer)).body
            .status === 'paused',
        10000,
        'the dead subscription to pause',
      );
      const paused = await http
        .get(`/api/v1/subscriptions/${dead.id}`)
        .set('Authorization', writer)
        .expect(200);
      expect(paused.body.status).toBe('paused');
      // the attempts in flight when the sixth failure paused it may add theirs
      expect(paused.body.consecutive_failures).toBeGreaterThanOrEqual(6);
      expect(paused.body.last_error).toMatch(/ECONNREFUSED|connect/);
      expect(paused.body.paused_at).not.toBeNull();
      expect(paused.body.pending_deliveries).toBe(total);
      const healthy = await http
        .get(`/api/v1/subscriptions/${steady.id}`)
        .set('Authorization', writer)
        .expect(200);
      expect(healthy.body).toMatchObject({
        status: 'active',
        consecutive_failures: 0,
        pending_deliveries: 0,
      });
    });

    it('resumes a paused subscription: its kept deliveries go out, in order', async () => {
      const port = Number(
        new URL(
          (await http.get(`/api/v1/subscriptions/${dead.id}`).set('Authorization', writer)).body
            .callback_url,
        ).port,
      );
      // The dead receiver comes back to life on its port.
      const revived = new WebhookReceiver();
      await revived.startOn(port);
      revived.expect('/dead', dead.secret);
      try {
        const resumed = await http
          .patch(`/api/v1/subscriptions/${dead.id}`)
          .set('Authorization', writer)
          .send({ status: 'active' })
          .expect(200);
        expect(resumed.body).toMatchObject({
          status: 'active',
          consecutive_failures: 0,
          paused_at: null,
        });
        const expected = bySubject(firstCopies(receiver.accepted('/steady')));
        const total = firstCopies(receiver.accepted('/steady')).length;
        await eventually(
          () => firstCopies(revived.accepted('/dead')).length >= total,
          20000,
          'the kept deliveries',
        );
        expect(revived.accepted('/dead').every((d) => d.signatureValid)).toBe(true);
        expect(bySubject(firstCopies(revived.accepted('/dead')))).toEqual(expected);
      } finally {
        await revived.stop();
      }
    });
  });
});
