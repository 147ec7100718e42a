import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { Principal, tenantScope } from '../auth/principal';
import { NotFoundError } from '../common/errors/domain-error';
import { fetchPage } from '../database/keyset-page';
import { Page } from '../common/pagination/pagination';
import { checkCallbackUrl } from './callback-url';
import {
  CreatedSubscriptionResponse,
  CreateSubscriptionDto,
  ListSubscriptionsQuery,
  SubscriptionResponse,
  toSubscriptionResponse,
  UpdateSubscriptionDto,
} from './dto/subscription.dto';
import { WebhookDelivery } from './entities/webhook-delivery.entity';
import { WebhookSubscription } from './entities/webhook-subscription.entity';
import { newSecret } from './signature';
import { ObjectChange, objectFamily } from './subscription-events';
import { SUBSCRIPTION_SETTINGS, SubscriptionSettings } from './subscription-settings';
import { subscriptionLimitReached } from './subscription.errors';

/** Room left in a delivery body for the CloudEvents envelope around `data`. */
const ENVELOPE_RESERVE_BYTES = 2048;

/**
 * Webhook subscriptions of a tenant, and the one entry point other modules call inside the
 * transaction of a change (`record`): it writes the deliveries owed to every matching
 * subscription, so they commit or roll back with the change.
 */
@Injectable()
export class SubscriptionService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(WebhookSubscription)
    private readonly subscriptions: Repository<WebhookSubscription>,
    @Inject(SUBSCRIPTION_SETTINGS) private readonly settings: SubscriptionSettings,
  ) {}

  async create(
    principal: Principal,
    dto: CreateSubscriptionDto,
  ): Promise<CreatedSubscriptionResponse> {
    const url = await checkCallbackUrl(this.settings.egress, dto.callback_url);
    const secret = newSecret();
    const saved = await this.dataSource.transaction(async (m) => {
      // Serializes creations of one tenant, so the limit holds under concurrency.
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `subscriptions:${principal.tenant}`,
      ]);
      const count = await m.countBy(WebhookSubscription, { tenant: principal.tenant });
      if (count >= this.settings.maxPerTenant)
        throw subscriptionLimitReached(this.settings.maxPerTenant);
      const row = m.create(WebhookSubscription, {
        tenant: principal.tenant,
        owner: principal.subject,
        callbackUrl: url.href,
        events: [...dto.events],
        filterSubject: dto.filter?.subject ?? null,
        subscriptionId: randomUUID(),
        secret,
        status: 'active',
        consecutiveFailures: 0,
      });
      return m.save(row);
    });
    return {
      ...toSubscriptionResponse(await this.find(principal, saved.subscriptionId), 0),
      secret,
    };
  }

  async list(
    principal: Principal,
    query: ListSubscriptionsQuery,
  ): Promise<Page<SubscriptionResponse>> {
    const { tenant } = tenantScope(principal);
    const { entities, meta } = await fetchPage(
      this.subscriptions.manager,
      WebhookSubscription,
      query,
      {
        resource: 'subscriptions',
        sort: { name: 'id', property: 'id', type: 'integer' },
        where: { tenant, status: query.status },
        filters: { status: query.status },
      },
    );
    const pending = await this.pendingCounts(entities.map((entity) => entity.id));
    return {
      items: entities.map((entity) => toSubscriptionResponse(entity, pending.get(entity.id) ?? 0)),
      meta,
    };
  }

  async get(principal: Principal, subscriptionId: string): Promise<SubscriptionResponse> {
    const subscription = await this.find(principal, subscriptionId);
    const pending = await this.pendingCounts([subscription.id]);
    return toSubscriptionResponse(subscription, pending.get(subscription.id) ?? 0);
  }

  /** Resuming resets the failure count and sends what was kept while paused at once, in order. */
  async update(
    principal: Principal,
    subscriptionId: string,
    dto: UpdateSubscriptionDto,
  ): Promise<SubscriptionResponse> {
    await this.dataSource.transaction(async (m) => {
      const found = await m.findOne(WebhookSubscription, {
        where: { subscriptionId, ...tenantScope(principal) },
        lock: { mode: 'pessimistic_write' },
      });
      if (!found) throw new NotFoundError('subscription', subscriptionId);
      if (found.status === dto.status) return;
      const id = found.id;
      if (dto.status === 'active') {
        await m.update(WebhookSubscription, id, {
          status: 'active',
          consecutiveFailures: 0,
          pausedAt: null,
        });
        await m.update(WebhookDelivery, { subscriptionId: id }, { nextAttemptAt: () => 'now()' });
      } else {
        await m.update(WebhookSubscription, id, { status: 'paused', pausedAt: () => 'now()' });
      }
    });
    return this.get(principal, subscriptionId);
  }

  /** Its undelivered events go with it. */
  async delete(principal: Principal, subscriptionId: string): Promise<void> {
    const { affected } = await this.subscriptions.delete({
      subscriptionId,
      ...tenantScope(principal),
    });
    if (!affected) throw new NotFoundError('subscription', subscriptionId);
  }

  /**
   * Records a change for every subscription of its tenant that wants the event and whose filter
   * matches, within the caller's transaction (one INSERT … SELECT, whatever the number of
   * subscribers). Paused subscriptions get their deliveries too: they go out when resumed.
   */
  async record(manager: EntityManager, change: ObjectChange): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('SubscriptionService.record must run inside a transaction');
    }
    await manager.query(
      `INSERT INTO webhook_delivery
         (delivery_id, subscription_id, event_id, event_type, subject, object_key, data, event_time)
       SELECT gen_random_uuid(), s.id, $1, $2, $3, $4, $5, clock_timestamp()
         FROM webhook_subscription s
        WHERE s.tenant = $6 AND s.events @> ARRAY[$2]::text[]
          AND (s.filter_subject IS NULL OR s.filter_subject = $3)
        ORDER BY s.id`,
      [
        randomUUID(),
        change.event,
        change.subject,
        `${objectFamily(change.event)}:${change.subject}`,
        this.boundedData(change.data),
        change.tenant,
      ],
    );
  }

  /** `data` as sent; one too large for SUBSCRIPTION_MAX_BODY_BYTES says so, the receiver GETs it. */
  private boundedData(data: object): string {
    const text = JSON.stringify(data);
    const room = this.settings.maxBodyBytes - ENVELOPE_RESERVE_BYTES;
    return Buffer.byteLength(text) <= room ? text : JSON.stringify({ truncated: true });
  }

  private async find(principal: Principal, subscriptionId: string): Promise<WebhookSubscription> {
    const found = await this.subscriptions.findOneBy({ subscriptionId, ...tenantScope(principal) });
    if (!found) throw new NotFoundError('subscription', subscriptionId);
    return found;
  }

  private async pendingCounts(ids: number[]): Promise<Map<number, number>> {
    if (ids.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT subscription_id AS id, count(*)::int AS n FROM webhook_delivery
        WHERE subscription_id = ANY($1) GROUP BY subscription_id`,
      [ids],
    )) as Array<{ id: number; n: number }>;
    return new Map(rows.map((row) => [row.id, row.n]));
  }
}
