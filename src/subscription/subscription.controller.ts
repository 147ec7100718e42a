import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { uuidPipe } from '../common/http/id';
import { Page } from '../common/pagination/pagination';
import { ApiPage } from '../openapi/api-page.decorator';
import { ApiProblemResponses } from '../openapi/api-problem-responses.decorator';
import {
  CreatedSubscriptionResponse,
  CreateSubscriptionDto,
  ListSubscriptionsQuery,
  SubscriptionResponse,
  UpdateSubscriptionDto,
} from './dto/subscription.dto';
import { SubscriptionService } from './subscription.service';

const SUBSCRIPTION_ID = ApiParam({
  name: 'id',
  schema: { type: 'string', format: 'uuid', minLength: 36, maxLength: 36 },
  description: 'The subscription id (UUID) answered at creation.',
});

const DELIVERY =
  'Each matching change is POSTed to `callback_url` as a structured CloudEvents 1.0 JSON body ' +
  '(`application/cloudevents+json`, `type` `eu.nemo.<event>`, `subject` the object id, `data` ' +
  'the object as the API answers it) with `X-Nemo-Signature: sha256=<hex HMAC-SHA256 of the raw ' +
  'body with the secret>`, `X-Nemo-Delivery` and `X-Nemo-Timestamp`; the body repeats both as ' +
  'the `nemodelivery` and `nemosentat` extensions, so the signature covers them. At least once, ' +
  'in order per object, retried with exponential backoff and jitter on anything but a 2xx ' +
  '(redirects are not followed); paused after SUBSCRIPTION_PAUSE_AFTER_FAILURES failures in a row.';

@ApiTags('subscriptions')
@Controller('subscriptions')
export class SubscriptionController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Post()
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'subscriptions_create',
    summary: 'Subscribe a webhook to events of your tenant',
    description: `${DELIVERY} The answer carries the signing \`secret\`, shown this once.`,
  })
  @ApiCreatedResponse({ type: CreatedSubscriptionResponse })
  @ApiProblemResponses(400, {
    status: 409,
    description: 'The tenant has SUBSCRIPTION_MAX_PER_TENANT subscriptions already.',
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateSubscriptionDto,
  ): Promise<CreatedSubscriptionResponse> {
    return this.subscriptions.create(principal, body);
  }

  @Get()
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'subscriptions_list',
    summary: 'List webhook subscriptions',
    description: "The caller's tenant's subscriptions (every tenant's for admins), by id.",
  })
  @ApiPage(SubscriptionResponse)
  @ApiProblemResponses(400)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListSubscriptionsQuery,
  ): Promise<Page<SubscriptionResponse>> {
    return this.subscriptions.list(principal, query);
  }

  @Get(':id')
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'subscriptions_get',
    summary: 'Get a webhook subscription',
    description: 'With its status, failure streak, last error and undelivered count.',
  })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblemResponses(404)
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe('id')) id: string,
  ): Promise<SubscriptionResponse> {
    return this.subscriptions.get(principal, id);
  }

  @Patch(':id')
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'subscriptions_update',
    summary: 'Pause or resume a webhook subscription',
  })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblemResponses(400, 404)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe('id')) id: string,
    @Body() body: UpdateSubscriptionDto,
  ): Promise<SubscriptionResponse> {
    return this.subscriptions.update(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'subscriptions_delete',
    summary: 'Delete a webhook subscription',
    description: 'Its undelivered events are dropped.',
  })
  @SUBSCRIPTION_ID
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblemResponses(404)
  delete(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe('id')) id: string,
  ): Promise<void> {
    return this.subscriptions.delete(principal, id);
  }
}
