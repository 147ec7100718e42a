import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { MaxLengthPipe } from '../common/http/max-length.pipe';
import { CurrentPrincipal, RequirePermission } from '../auth/auth.decorators';
import { IdParam } from '../common/http/id';
import { Principal } from '../auth/principal';
import { Page, PageQuery } from '../common/pagination/pagination';
import type { IntentObject, IntentReport } from '../contract';
import { ApiPage } from '../openapi/api-page.decorator';
import { ApiProblemResponses } from '../openapi/api-problem-responses.decorator';
import { CreateIntentFromTemplateDto } from './dto/create-from-template.dto';
import { CreateIntentDto, USER_LABEL_MAX_LENGTH } from './dto/create-intent.dto';
import {
  IntentReportEntryResponse,
  IntentReportResponse,
  IntentResponse,
} from './dto/intent.response';
import { ListIntentsQuery } from './dto/list-intents.query';
import { IntentReportAcknowledgement } from './dto/report-acknowledgement.response';
import { ReportFulfilmentDto } from './dto/report-fulfilment.dto';
import { WrapArrayBodyInterceptor } from '../common/http/wrap-array-body.interceptor';
import { UpdateIntentDto } from './dto/update-intent.dto';
import { IntentService } from './intent.service';

const FEASIBILITY =
  'The feasibility check runs on the result and is recorded in `intent_report_reference.intent_feasibility_check_report`: ' +
  'INFEASIBLE (with every `infeasibility_reason`) when a target is unknown for its object type, a condition does not ' +
  "fit the value type or bounds, the object instance does not exist or is not the caller's, or the intent contradicts " +
  'itself or another ACTIVATED, FEASIBLE intent on the same object (a DEACTIVATED intent takes no part in this). ' +
  'A contradiction with another intent is also written as an `intent_conflict_reports` entry on both intents; ' +
  'they are removed from both when either changes, is deactivated or is deleted. A FEASIBLE, ACTIVATED intent is ' +
  'published as an `intent-notify` event (the same JSON as this response); an INFEASIBLE or DEACTIVATED one is ' +
  'stored but not published.';

const INTENT_ID = { description: 'Intent id.', example: 28 };

@ApiTags('intents')
@Controller('intents')
export class IntentController {
  constructor(private readonly intents: IntentService) {}

  @Post()
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'intents_create',
    summary: 'Create an intent',
    description: FEASIBILITY,
  })
  @ApiCreatedResponse({
    type: IntentResponse,
    description: 'The stored intent, FEASIBLE or INFEASIBLE.',
  })
  @ApiProblemResponses(400)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateIntentDto,
  ): Promise<IntentObject> {
    return this.intents.create(principal, body);
  }

  @Post('from-template/:user_label')
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'intents_create_from_template',
    summary: 'Create an intent from a template',
    description:
      'Builds a full intent from a template of `GET /intent-templates` (one expectation on `object_instance`, the ' +
      "requested targets with the template's default conditions and values) and creates it. " +
      FEASIBILITY,
  })
  @ApiParam({
    name: 'user_label',
    description: 'Template name.',
    example: 'DeliverComputingWorkload',
    schema: { type: 'string', minLength: 1, maxLength: USER_LABEL_MAX_LENGTH },
  })
  @ApiCreatedResponse({
    type: IntentResponse,
    description: 'The stored intent, FEASIBLE or INFEASIBLE.',
  })
  @ApiProblemResponses(400, 404, {
    status: 422,
    description:
      'A target the template does not have, or a target without a default value and none given.',
  })
  createFromTemplate(
    @CurrentPrincipal() principal: Principal,
    @Param('user_label', new MaxLengthPipe(USER_LABEL_MAX_LENGTH)) userLabel: string,
    @Body() body: CreateIntentFromTemplateDto,
  ): Promise<IntentObject> {
    return this.intents.createFromTemplate(principal, userLabel, body);
  }

  @Get()
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'intents_list',
    summary: 'List intents',
    description:
      "The caller's tenant's intents (every tenant's for admins), by id, with optional filters.",
  })
  @ApiPage(IntentResponse)
  @ApiProblemResponses(400)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListIntentsQuery,
  ): Promise<Page<IntentObject>> {
    return this.intents.list(principal, query);
  }

  @Get(':id')
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'intents_get',
    summary: 'Get an intent',
    description: 'The full TS 28.312 intent object.',
  })
  @ApiOkResponse({ type: IntentResponse })
  @ApiProblemResponses(404)
  get(
    @CurrentPrincipal() principal: Principal,
    @IdParam('id', INTENT_ID) id: number,
  ): Promise<IntentObject> {
    return this.intents.get(principal, id);
  }

  @Patch(':id')
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'intents_update',
    summary: 'Update an intent',
    description:
      'Given fields replace the current ones: `intent_expectations` replaces every expectation with its object, ' +
      'targets and contexts (new ids, fulfilment starts over), `intent_contexts` the intent-level contexts. ' +
      '`intent_admin_state: DEACTIVATED` suspends the intent (every fulfilment state SUSPENDED, data kept); ' +
      '`ACTIVATED` resumes it: fulfilment is judged again over the observation window ending now. ' +
      FEASIBILITY,
  })
  @ApiOkResponse({ type: IntentResponse })
  @ApiProblemResponses(400, 404)
  update(
    @CurrentPrincipal() principal: Principal,
    @IdParam('id', INTENT_ID) id: number,
    @Body() body: UpdateIntentDto,
  ): Promise<IntentObject> {
    return this.intents.update(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'intents_delete',
    summary: 'Delete an intent',
    description: 'With its report.',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblemResponses(404)
  delete(
    @CurrentPrincipal() principal: Principal,
    @IdParam('id', INTENT_ID) id: number,
  ): Promise<void> {
    return this.intents.delete(principal, id);
  }

  @Get(':id/report')
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'intents_get_report',
    summary: "Get an intent's report",
    description:
      'The current report (`intent_report_reference`): fulfilment report, feasibility check report, last update ' +
      'and conflict reports. Earlier reports: `GET /intents/{id}/reports`.',
  })
  @ApiOkResponse({ type: IntentReportResponse })
  @ApiProblemResponses(404)
  getReport(
    @CurrentPrincipal() principal: Principal,
    @IdParam('id', INTENT_ID) id: number,
  ): Promise<IntentReport> {
    return this.intents.getReport(principal, id);
  }

  @Get(':id/reports')
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'intents_list_reports',
    summary: "List an intent's received reports",
    description:
      'Every `PUT /intents/{id}/report` received, newest first (by `id`), with the values as reported, when ' +
      '(`last_updated_time`), the admin state then and the fulfilment report they led to (unchanged while ' +
      'DEACTIVATED). Kept for `INTENT_REPORT_RETENTION_HOURS`; deleted with the intent.',
  })
  @ApiPage(IntentReportEntryResponse)
  @ApiProblemResponses(400, 404)
  listReports(
    @CurrentPrincipal() principal: Principal,
    @IdParam('id', INTENT_ID) id: number,
    @Query() query: PageQuery,
  ): Promise<Page<IntentReportEntryResponse>> {
    return this.intents.listReports(principal, id, query);
  }

  @Put(':id/report')
  @RequirePermission('report')
  @ApiOperation({
    operationId: 'intents_report_fulfilment',
    summary: 'Report observed values (service role)',
    description:
      'Takes observed values per target (observed now), keeps them in the history (`GET /intents/{id}/reports`) ' +
      'and judges each target over its observation window, the last `observation_period` seconds: FULFILLED when ' +
      'every value observed in the window meets its condition, NOT_FULFILLED/DEGRADED (naming the latest value that ' +
      'missed) when one does not, NOT_FULFILLED/ACKNOWLEDGED when none was observed in the window; with ' +
      '`observation_period` 0 the latest value alone is judged. An expectation is FULFILLED when all its targets ' +
      'are, the intent when all its expectations are; otherwise NOT_FULFILLED in the worst state of the unfulfilled ' +
      'parts, with their reasons. Unlisted targets keep their observations; null clears one. Updates ' +
      '`last_updated_time` and returns the report. On a DEACTIVATED intent the values are only kept in the ' +
      'history: the report stays NOT_FULFILLED/SUSPENDED. The body may also ' +
      'be the bare list `[{"target", "target_achieved_value"}]`. The service role reports on intents of every ' +
      "tenant: on another tenant's intent the answer is an acknowledgement only (`IntentReportAcknowledgement`: " +
      '`intent_id`, `last_updated_time`), and targets that are not its own answer the 404 of an unknown intent.',
  })
  @UseInterceptors(new WrapArrayBodyInterceptor('target_fulfilment_results'))
  @ApiExtraModels(IntentReportResponse, IntentReportAcknowledgement)
  @ApiOkResponse({
    description:
      "The report (caller's tenant or admin), or an acknowledgement (another tenant's intent).",
    schema: {
      anyOf: [
        { $ref: getSchemaPath(IntentReportResponse) },
        { $ref: getSchemaPath(IntentReportAcknowledgement) },
      ],
    },
  })
  @ApiProblemResponses(
    400,
    404,
    {
      status: 409,
      description: 'The intent is ACTIVATED and INFEASIBLE: nothing fulfils it.',
    },
    {
      status: 422,
      description: 'A reported target is not a target of this intent, or is reported twice.',
    },
  )
  reportFulfilment(
    @CurrentPrincipal() principal: Principal,
    @IdParam('id', INTENT_ID) id: number,
    @Body() body: ReportFulfilmentDto,
  ): Promise<IntentReport | IntentReportAcknowledgement> {
    return this.intents.reportFulfilment(principal, id, body);
  }
}
