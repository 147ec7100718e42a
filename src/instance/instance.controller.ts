import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, RequirePermission } from '../auth/auth.decorators';
import { ApiPage } from '../openapi/api-page.decorator';
import { ApiProblemResponses } from '../openapi/api-problem-responses.decorator';
import { IdParam, uuidPipe } from '../common/http/id';
import type { Principal } from '../auth/principal';
import { Page } from '../common/pagination/pagination';
import { CreateInstanceDto } from './dto/create-instance.dto';
import { InstancePreviewResponse } from './dto/instance-preview.response';
import { DryRunQuery } from './dto/update-instance.dto';
import { revisionEtag } from './revisions/if-match';
import { InstanceResponse } from './dto/instance.response';
import { ListInstancesQuery } from './dto/list-instances.query';
import { ReportStatusDto } from './dto/report-status.dto';
import { InstanceStatusAcknowledgement } from './dto/status-acknowledgement.response';
import { InstanceService } from './instance.service';
import { INSTANCE_ID, InstanceIdParam } from './instance-id.param';

@ApiTags('instances')
@ApiExtraModels(InstancePreviewResponse)
@Controller()
export class InstanceController {
  constructor(private readonly instances: InstanceService) {}

  @Post('workloads/:id/instances')
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'instances_create',
    summary: 'Instantiate an accepted workload document',
    description:
      'Renders the chart as stored in the NEMO Helm repository with `helm template` (the values as a values ' +
      'file), points every container image at its mirror in the NEMO registry, appends an Ingress for each ' +
      'Service annotated `nemo.eu/ingress-expose: "true"` when `ingress_enabled`, creates the inline intents ' +
      'about the new instance and its revision 1, and publishes a `run` event, all in one transaction. With a ' +
      '`cluster_name` that has a cluster profile, helm renders for that cluster (`--kube-version`, ' +
      '`--api-versions`). With `?dry_run=true`: the same checks and render, answered with 200 and what would ' +
      'be rendered; nothing is stored and no event is published.',
  })
  @ApiCreatedResponse({ type: InstanceResponse, description: 'The instance, status `rendered`.' })
  @ApiOkResponse({
    type: InstancePreviewResponse,
    description: 'dry_run=true: what would be rendered (nothing stored, no event).',
  })
  @ApiProblemResponses({
    status: 400,
    description: 'Invalid body (release_name, values not an object or too large, intents).',
  })
  @ApiProblemResponses({ status: 404, description: 'No such workload document in your tenant.' })
  @ApiProblemResponses({
    status: 409,
    description:
      'The document is not accepted (workload_not_accepted), the release name is taken (release_name_taken), or ' +
      'an inline intent would hold more than INTENT_MAX_CONFLICT_REPORTS conflict reports (conflict_reports_full).',
  })
  @ApiProblemResponses({
    status: 422,
    description:
      "helm template failed (render_failed, with helm's message), an image was not mirrored (image_not_mirrored: the values use an " +
      "image neither the default render nor the chart's artifacthub.io/images annotation names), " +
      'ingress_enabled without ingress_support (ingress_not_supported), or an ingress annotation cannot be ' +
      'honoured or its path is unsafe (ingress_annotation_invalid, naming the Service and the annotation), ' +
      'or a rendered object breaks the render policy (render_policy_violation: cluster-scoped or unknown kind, ' +
      'system or foreign namespace, Pod Security Standards profile; errors[] names each object, field and rule), ' +
      "or the chart's `kubeVersion` excludes the cluster profile's Kubernetes version (kube_version_incompatible).",
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @IdParam('id', { description: 'Workload document id.', example: 4 }) workloadDocumentId: number,
    @Query() query: DryRunQuery,
    @Body() body: CreateInstanceDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InstanceResponse | InstancePreviewResponse> {
    if (query.dry_run) {
      response.status(200);
      return this.instances.preview(principal, workloadDocumentId, body);
    }
    const instance = await this.instances.create(principal, workloadDocumentId, body);
    response.setHeader('ETag', revisionEtag(instance.revision));
    return instance;
  }

  @Get('instances')
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'instances_list',
    summary: 'List workload instances',
    description:
      "Your tenant's instances, newest first by default, filtered by document, status or cluster.",
  })
  @ApiPage(InstanceResponse)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListInstancesQuery,
  ): Promise<Page<InstanceResponse>> {
    return this.instances.list(principal, query);
  }

  @Get(`instances/:${INSTANCE_ID}`)
  @InstanceIdParam()
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'instances_get',
    summary: 'Get a workload instance',
    description:
      'With its manifests (the current revision) and intents; the ETag header is the revision, for If-Match.',
  })
  @ApiOkResponse({
    type: InstanceResponse,
    headers: {
      ETag: {
        description: 'The current revision as an entity tag (`"4"`), for If-Match.',
        schema: { type: 'string', maxLength: 12 },
      },
    },
  })
  @ApiProblemResponses({ status: 404, description: 'No such instance in your tenant.' })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param(INSTANCE_ID, uuidPipe(INSTANCE_ID)) instanceId: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InstanceResponse> {
    const instance = await this.instances.get(principal, instanceId);
    response.setHeader('ETag', revisionEtag(instance.revision));
    return instance;
  }

  @Delete(`instances/:${INSTANCE_ID}`)
  @InstanceIdParam()
  @HttpCode(202)
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'instances_delete',
    summary: 'Delete a workload instance',
    description:
      'Marks the instance `deleting` and publishes a `delete` event for the meta-Orchestrator, which reports ' +
      '`deleted` when it is gone. Repeating the request answers the same and publishes nothing.',
  })
  @ApiAcceptedResponse({
    type: InstanceResponse,
    description: 'The instance, status `deleting` (or `deleted`).',
  })
  @ApiProblemResponses({ status: 404, description: 'No such instance in your tenant.' })
  delete(
    @CurrentPrincipal() principal: Principal,
    @Param(INSTANCE_ID, uuidPipe(INSTANCE_ID)) instanceId: string,
  ): Promise<InstanceResponse> {
    return this.instances.delete(principal, instanceId);
  }

  @Put(`instances/:${INSTANCE_ID}/status`)
  @InstanceIdParam()
  @RequirePermission('report')
  @ApiOperation({
    operationId: 'instances_report_status',
    summary: 'Report the status of a workload instance',
    description:
      "Feedback of the meta-Orchestrator (service role; any tenant's instance). Allowed: rendered → deploying | " +
      'deployed | failed; deploying → deployed | failed; deployed → deploying | failed; failed → deploying | ' +
      'deployed; deleting → deleted | failed; reporting the current status again updates cluster and reason. ' +
      'The same reports are read from the INSTANCE_STATUS_QUEUE RabbitMQ queue when configured. ' +
      "The answer is the whole instance when it is in the caller's tenant (or the caller is an admin); a " +
      "report on another tenant's instance is answered with an acknowledgement only " +
      '(`InstanceStatusAcknowledgement`: `instance_id`, `status`, `updated_at`), and its 409 does not name the ' +
      'current status.',
  })
  @ApiExtraModels(InstanceResponse, InstanceStatusAcknowledgement)
  @ApiOkResponse({
    description:
      "The instance (caller's tenant or admin), or an acknowledgement (another tenant's instance).",
    schema: {
      anyOf: [
        { $ref: getSchemaPath(InstanceResponse) },
        { $ref: getSchemaPath(InstanceStatusAcknowledgement) },
      ],
    },
  })
  @ApiProblemResponses({ status: 404, description: 'No such instance.' })
  @ApiProblemResponses({
    status: 409,
    description: 'The transition is not allowed (illegal_status_transition).',
  })
  reportStatus(
    @CurrentPrincipal() principal: Principal,
    @Param(INSTANCE_ID, uuidPipe(INSTANCE_ID)) instanceId: string,
    @Body() body: ReportStatusDto,
  ): Promise<InstanceResponse | InstanceStatusAcknowledgement> {
    return this.instances.reportStatus(principal, instanceId, body);
  }
}
