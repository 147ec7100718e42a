import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../common/pagination/pagination';
import { COUNT_SCHEMA, TIMESTAMP_SCHEMA } from '../../common/validation/bounds';
import {
  SUBSCRIPTION_STATUSES,
  SubscriptionStatus,
  WebhookSubscription,
} from '../entities/webhook-subscription.entity';
import { SUBSCRIPTION_EVENTS, SubscriptionEvent } from '../subscription-events';

export const CALLBACK_URL_MAX_LENGTH = 2048;
export const SUBJECT_MAX_LENGTH = 100;
/** The dispatcher clips the stored last error to this. */
export const LAST_ERROR_MAX_LENGTH = 300;
const SUBJECT = /^[A-Za-z0-9._:-]+$/;

export class SubscriptionFilterDto {
  @ApiPropertyOptional({
    description:
      'Only events about this object: an intent id, an instance id (UUID) or a workload document ' +
      'id, as the CloudEvents `subject` carries it. Absent: every object of the tenant.',
    example: '28',
    minLength: 1,
    maxLength: SUBJECT_MAX_LENGTH,
    pattern: SUBJECT.source,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(SUBJECT_MAX_LENGTH)
  @Matches(SUBJECT, { message: '$property must be an object id (letters, digits, . _ : -)' })
  subject?: string;
}

/** `POST /subscriptions`. */
export class CreateSubscriptionDto {
  @ApiProperty({
    description:
      'Where deliveries are POSTed: an http(s) URL without credentials. Its host must resolve to ' +
      'public addresses only (unless SUBSCRIPTION_ALLOW_PRIVATE allows the range); this is checked ' +
      'now and again before every delivery. Redirects are not followed.',
    example: 'https://hooks.example.eu/nemo',
    maxLength: CALLBACK_URL_MAX_LENGTH,
    format: 'uri',
  })
  @IsString()
  @MaxLength(CALLBACK_URL_MAX_LENGTH)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: '$property must be an http or https URL' },
  )
  callback_url!: string;

  @ApiProperty({
    description: 'The event types to deliver (each once).',
    enum: SUBSCRIPTION_EVENTS,
    enumName: 'SubscriptionEvent',
    isArray: true,
    minItems: 1,
    maxItems: SUBSCRIPTION_EVENTS.length,
    example: ['intent.changed', 'intent.report.changed'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIPTION_EVENTS.length)
  @ArrayUnique({ message: '$property must not name an event twice' })
  @IsIn(SUBSCRIPTION_EVENTS, {
    each: true,
    message: `each of $property must be one of ${SUBSCRIPTION_EVENTS.join(', ')}`,
  })
  events!: SubscriptionEvent[];

  @ApiPropertyOptional({ type: SubscriptionFilterDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SubscriptionFilterDto)
  filter?: SubscriptionFilterDto;
}

/** `PATCH /subscriptions/{id}`: pause it, or resume a paused one. */
export class UpdateSubscriptionDto {
  @ApiProperty({
    enum: SUBSCRIPTION_STATUSES,
    enumName: 'SubscriptionStatus',
    description:
      '`active` resumes a paused subscription: its failure count is reset and the deliveries ' +
      'kept while it was paused go out at once, in order. `paused` stops deliveries; events ' +
      'are still recorded for it.',
  })
  @IsIn(SUBSCRIPTION_STATUSES)
  status!: SubscriptionStatus;
}

export class ListSubscriptionsQuery extends PageQuery {
  @ApiPropertyOptional({
    enum: SUBSCRIPTION_STATUSES,
    enumName: 'SubscriptionStatus',
    description: 'Only subscriptions in this status.',
  })
  @IsOptional()
  @IsIn(SUBSCRIPTION_STATUSES)
  status?: SubscriptionStatus;
}

export class SubscriptionFilterResponse {
  @ApiProperty({ type: String, nullable: true, example: '28', maxLength: SUBJECT_MAX_LENGTH })
  subject!: string | null;
}

export class SubscriptionResponse {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: '5f0c2a8e-3b1d-4c55-9a0e-1f2b3c4d5e6f' })
  id!: string;

  @ApiProperty({ example: 'https://hooks.example.eu/nemo', maxLength: CALLBACK_URL_MAX_LENGTH })
  callback_url!: string;

  @ApiProperty({
    enum: SUBSCRIPTION_EVENTS,
    enumName: 'SubscriptionEvent',
    isArray: true,
    maxItems: SUBSCRIPTION_EVENTS.length,
  })
  events!: SubscriptionEvent[];

  @ApiProperty({ type: SubscriptionFilterResponse })
  filter!: SubscriptionFilterResponse;

  @ApiProperty({
    enum: SUBSCRIPTION_STATUSES,
    enumName: 'SubscriptionStatus',
    description:
      '`paused` after SUBSCRIPTION_PAUSE_AFTER_FAILURES failed attempts in a row (or by PATCH).',
  })
  status!: SubscriptionStatus;

  @ApiProperty({
    ...COUNT_SCHEMA,
    example: 0,
    description: 'Failed attempts since the last delivered one.',
  })
  consecutive_failures!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'HTTP 503',
    maxLength: LAST_ERROR_MAX_LENGTH,
    description: "The last attempt's failure: an HTTP status, a timeout, a refused destination.",
  })
  last_error!: string | null;

  @ApiProperty({ ...TIMESTAMP_SCHEMA, nullable: true })
  last_error_at!: string | null;

  @ApiProperty({ ...TIMESTAMP_SCHEMA, nullable: true })
  last_delivered_at!: string | null;

  @ApiProperty({ ...TIMESTAMP_SCHEMA, nullable: true })
  paused_at!: string | null;

  @ApiProperty({
    ...COUNT_SCHEMA,
    example: 0,
    description: 'Deliveries recorded and not yet acknowledged.',
  })
  pending_deliveries!: number;

  @ApiProperty(TIMESTAMP_SCHEMA)
  created_at!: string;

  @ApiProperty(TIMESTAMP_SCHEMA)
  updated_at!: string;
}

export class CreatedSubscriptionResponse extends SubscriptionResponse {
  @ApiProperty({
    example: 'whsec_3q2-7a1ZpC6yNnQ1b8fL0xV4mHk9sD2eTgRw5uJcYoA',
    maxLength: 64,
    description:
      'The HMAC-SHA256 key of `X-Nemo-Signature`. Shown only in this answer: store it now.',
  })
  secret!: string;
}

export function toSubscriptionResponse(
  subscription: WebhookSubscription,
  pendingDeliveries: number,
): SubscriptionResponse {
  const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);
  return {
    id: subscription.subscriptionId,
    callback_url: subscription.callbackUrl,
    events: subscription.events as SubscriptionEvent[],
    filter: { subject: subscription.filterSubject },
    status: subscription.status,
    consecutive_failures: subscription.consecutiveFailures,
    last_error: subscription.lastError,
    last_error_at: iso(subscription.lastErrorAt),
    last_delivered_at: iso(subscription.lastDeliveredAt),
    paused_at: iso(subscription.pausedAt),
    pending_deliveries: pendingDeliveries,
    created_at: subscription.createdAt.toISOString(),
    updated_at: subscription.updatedAt.toISOString(),
  };
}
