import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_VERSION } from '../../common/app-version';
import { pause } from '../../common/concurrency/pause';
import { EgressRefused } from '../../infra/egress/egress-guard';
import { guardedPost } from '../../infra/egress/guarded-post';
import { MetricsService } from '../../metrics/metrics.service';
import { LAST_ERROR_MAX_LENGTH } from '../dto/subscription.dto';
import { SubscriptionEvent } from '../subscription-events';
import { SUBSCRIPTION_SETTINGS, SubscriptionSettings } from '../subscription-settings';
import { signedRequest } from './delivery-envelope';
import { retryDelayMs } from './retry-backoff';

interface ClaimedRow {
  id: string;
  delivery_id: string;
  subscription_id: number;
  event_id: string;
  event_type: SubscriptionEvent;
  subject: string;
  data: string;
  event_time: Date;
  attempts: number;
  created_at: Date;
  callback_url: string;
  secret: string;
}

/** The longest wait between claims while they fail. */
const CLAIM_RETRY_MAX_MS = 5000;

/**
 * Claims deliveries that may go now: per subscription and object only the oldest undelivered one
 * (order per object), only for active subscriptions with fewer than
 * SUBSCRIPTION_CONCURRENCY_PER_SUBSCRIPTION deliveries in flight (so a slow receiver holds a few
 * slots, never all of them, and its backlog is not even read while it holds them). A lease
 * instead of a held lock: a worker that dies mid-delivery loses its rows when the lease ends and
 * another worker sends them again (at-least-once).
 */
const CLAIM_SQL = `
WITH busy AS (
  SELECT subscription_id, count(*) AS n FROM webhook_delivery
   WHERE lease_until >= now() GROUP BY subscription_id
), open AS (
  SELECT s.id, $2 - coalesce(b.n, 0) AS room
    FROM webhook_subscription s LEFT JOIN busy b ON b.subscription_id = s.id
   WHERE s.status = 'active' AND coalesce(b.n, 0) < $2
), heads AS (
  SELECT DISTINCT ON (d.subscription_id, d.object_key)
         d.id, d.subscription_id, d.next_attempt_at, d.lease_until
    FROM webhook_delivery d JOIN open o ON o.id = d.subscription_id
   ORDER BY d.subscription_id, d.object_key, d.id
), ready AS (
  SELECT h.id, h.subscription_id,
         row_number() OVER (PARTITION BY h.subscription_id ORDER BY h.id) AS n
    FROM heads h
   WHERE h.next_attempt_at <= now() AND (h.lease_until IS NULL OR h.lease_until < now())
), picked AS (
  SELECT d.id FROM webhook_delivery d
    JOIN ready r ON r.id = d.id
    JOIN open o ON o.id = r.subscription_id
   WHERE r.n <= o.room
   ORDER BY d.id
   LIMIT $1
     FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_delivery d
   SET lease_until = now() + make_interval(secs => $3), attempts = d.attempts + 1
  FROM picked p, webhook_subscription s
 WHERE d.id = p.id AND s.id = d.subscription_id
   AND (d.lease_until IS NULL OR d.lease_until < now())
RETURNING d.id, d.delivery_id, d.subscription_id, d.event_id, d.event_type, d.subject, d.data,
          d.event_time, d.attempts, d.created_at, s.callback_url, s.secret`;

/** Delivered: the row goes, the subscription's failure streak ends. */
const DELIVERED_SQL = `
WITH gone AS (DELETE FROM webhook_delivery WHERE id = $1 RETURNING subscription_id)
UPDATE webhook_subscription s SET consecutive_failures = 0, last_delivered_at = now()
  FROM gone WHERE s.id = gone.subscription_id`;

/** Failed: retried after the backoff; the streak grows and pauses the subscription at $4. */
const FAILED_SQL = `
WITH failed AS (
  UPDATE webhook_delivery
     SET lease_until = NULL, last_error = $3,
         next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
   WHERE id = $1 RETURNING subscription_id
)
UPDATE webhook_subscription s
   SET consecutive_failures = s.consecutive_failures + 1, last_error = $3, last_error_at = now(),
       status = CASE WHEN s.consecutive_failures + 1 >= $4 THEN 'paused' ELSE s.status END,
       paused_at = CASE WHEN s.consecutive_failures + 1 >= $4 AND s.status = 'active'
                        THEN now() ELSE s.paused_at END
  FROM failed WHERE s.id = failed.subscription_id`;

/**
 * The worker role's webhook sender. One loop claims what may go (see CLAIM_SQL) up to
 * SUBSCRIPTION_CONCURRENCY deliveries in flight, each with its own timeout, and records each
 * outcome on its own: a receiver that hangs or refuses only ever delays its own deliveries. It
 * reads the delivery table only, never RabbitMQ's outbox, so the lifecycle events are untouched.
 */
@Injectable()
export class DeliveryDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryDispatcher.name);
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private loop?: Promise<void>;
  /** Set while the loop sleeps: a finished delivery frees a slot and wakes it early. */
  private wake?: AbortController;
  private readonly userAgent = `nemo-intent-api/${APP_VERSION} (webhook)`;
  /** Claims failed in a row (PostgreSQL down): the loop backs off and logs at powers of two. */
  private claimFailures = 0;

  private readonly outcomes;
  private readonly delay;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SUBSCRIPTION_SETTINGS) private readonly settings: SubscriptionSettings,
    metrics: MetricsService,
  ) {
    this.outcomes = metrics.counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts, by outcome (delivered, failed)',
      labelNames: ['outcome'],
    });
    this.delay = metrics.histogram({
      name: 'webhook_delivery_delay_seconds',
      help: 'Time from recording a change to its delivery being acknowledged by the receiver',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120, 600],
    });
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    this.wake?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const free = this.settings.concurrency - this.inFlight.size;
      const claimed = free > 0 ? await this.claimSafely(free) : 0;
      if (this.claimFailures > 0) await this.backOff();
      else if (claimed === 0 || claimed === free) await this.idle(claimed === free && free > 0);
    }
    await Promise.all(this.inFlight);
  }

  /** After a failed claim: poll interval · 2^(n-1), at most CLAIM_RETRY_MAX_MS, woken only by shutdown. */
  private backOff(): Promise<void> {
    const delay = retryDelayMs(
      this.claimFailures,
      this.settings.pollIntervalMs,
      CLAIM_RETRY_MAX_MS,
    );
    return pause(delay, this.stopping.signal);
  }

  /** Sleeps the poll interval, less when a slot frees up; not at all when a full batch came. */
  private async idle(fullBatch: boolean): Promise<void> {
    if (fullBatch && this.inFlight.size < this.settings.concurrency) return;
    this.wake = new AbortController();
    try {
      await pause(
        this.settings.pollIntervalMs,
        AbortSignal.any([this.wake.signal, this.stopping.signal]),
      );
    } finally {
      this.wake = undefined;
    }
  }

  private async claimSafely(limit: number): Promise<number> {
    try {
      const leaseSeconds = (this.settings.timeoutMs * 2 + 5000) / 1000;
      const [rows] = (await this.dataSource.query(CLAIM_SQL, [
        limit,
        this.settings.concurrencyPerSubscription,
        leaseSeconds,
      ])) as [ClaimedRow[], number];
      for (const row of rows) this.start(row);
      this.claimSucceeded();
      return rows.length;
    } catch (error) {
      this.claimFailures++;
      // One line when an outage starts, then fewer and fewer: not one per poll interval.
      if (Number.isInteger(Math.log2(this.claimFailures)))
        this.logger.error(
          `claiming webhook deliveries failed (${this.claimFailures} in a row, retrying with backoff): ${(error as Error).message}`,
        );
      return 0;
    }
  }

  private claimSucceeded(): void {
    if (this.claimFailures === 0) return;
    this.logger.log(`claiming webhook deliveries works again after ${this.claimFailures} failures`);
    this.claimFailures = 0;
  }

  private start(row: ClaimedRow): void {
    const attempt = this.deliver(row).finally(() => {
      this.inFlight.delete(attempt);
      this.wake?.abort();
    });
    this.inFlight.add(attempt);
  }

  /** Never rejects: every outcome, including a failure to record it, ends here. */
  private async deliver(row: ClaimedRow): Promise<void> {
    const failure = await this.send(row);
    try {
      if (failure === undefined) {
        await this.dataSource.query(DELIVERED_SQL, [row.id]);
        this.outcomes.inc({ outcome: 'delivered' });
        this.delay.observe((Date.now() - row.created_at.getTime()) / 1000);
        return;
      }
      const wait = retryDelayMs(row.attempts, this.settings.retryBaseMs, this.settings.retryMaxMs);
      await this.dataSource.query(FAILED_SQL, [
        row.id,
        wait,
        failure.slice(0, LAST_ERROR_MAX_LENGTH),
        this.settings.pauseAfterFailures,
      ]);
      this.outcomes.inc({ outcome: 'failed' });
    } catch (error) {
      // The lease runs out and the delivery is sent again: at-least-once, never lost.
      this.logger.error(
        `recording webhook delivery ${row.delivery_id} failed: ${(error as Error).message}`,
      );
    }
  }

  /** undefined when the receiver answered 2xx, else why not (stored as the last error). */
  private async send(row: ClaimedRow): Promise<string | undefined> {
    const request = signedRequest(
      {
        eventId: row.event_id,
        eventType: row.event_type,
        subject: row.subject,
        data: row.data,
        eventTime: row.event_time,
        deliveryId: row.delivery_id,
        attempt: row.attempts,
      },
      row.secret,
      new Date(),
      this.userAgent,
    );
    try {
      const status = await guardedPost(
        this.settings.egress,
        new URL(row.callback_url),
        request.body,
        {
          headers: request.headers,
          timeoutMs: this.settings.timeoutMs,
        },
      );
      if (status >= 200 && status < 300) return undefined;
      if (status >= 300 && status < 400) return `HTTP ${status} (redirects are not followed)`;
      return `HTTP ${status}`;
    } catch (error) {
      // Which address a name resolved to stays in the server log, not in what tenants read.
      if (error instanceof EgressRefused) {
        this.logger.warn(error.message);
        return 'destination refused: the host no longer resolves to allowed addresses';
      }
      return (error as Error).message || String(error);
    }
  }
}
