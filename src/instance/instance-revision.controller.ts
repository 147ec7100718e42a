import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, RequirePermission } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { uuidPipe } from '../common/http/id';
import { Page } from '../common/pagination/pagination';
import { ApiPage } from '../openapi/api-page.decorator';
import { ApiProblemResponses } from '../openapi/api-problem-responses.decorator';
import { InstancePreviewResponse } from './dto/instance-preview.response';
import { InstanceResponse } from './dto/instance.response';
import {
  InstanceRevisionDetailResponse,
  InstanceRevisionResponse,
  ListRevisionsQuery,
  RevisionDiffResponse,
} from './dto/revision.response';
import {
  DiffQuery,
  DryRunQuery,
  RollbackInstanceDto,
  UpdateInstanceDto,
} from './dto/update-instance.dto';
import { InstanceRevisionService } from './instance-revision.service';
import { revisionEtag } from './revisions/if-match';
import { RevisionNumber, RevisionNumberPipe } from './revisions/revision-number.pipe';
import { INSTANCE_ID, InstanceIdParam } from './instance-id.param';

const RevisionParam = (): MethodDecorator =>
  ApiParam({
    name: 'revision',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 2_147_483_647 },
    description: 'A revision number of the instance (1 = as created).',
  });
const IfMatchHeader = (): MethodDecorator =>
  ApiHeader({
    name: 'If-Match',
    required: false,
    schema: { type: 'string', maxLength: 200, example: '"3"' },
    description:
      'Optimistic concurrency: the ETag of the revision the change is based on (`"3"`, from GET or an earlier ' +
      'change). Another current revision answers 412 and changes nothing.',
  });
const ETAG_HEADER = {
  ETag: {
    description: 'The current revision as an entity tag (`"4"`), for If-Match.',
    schema: { type: 'string', maxLength: 12 },
  },
};
const NOT_FOUND = {
  status: 404,
  description: 'No such instance in your tenant (or no such revision).',
};
const NOT_CHANGEABLE = {
  status: 409,
  description:
    'The instance is `deleting` or `deleted` (instance_not_changeable), or the document is not accepted ' +
    '(workload_not_accepted); for a rollback, the revision is the current one (already_at_revision); for an ' +
    'upgrade without If-Match, the instance kept changing while it rendered (concurrent_update).',
};
const STALE = {
  status: 412,
  description: 'If-Match does not name the current revision (revision_mismatch): nothing changed.',
};

@ApiTags('instances')
@ApiExtraModels(InstanceResponse, InstancePreviewResponse)
@Controller(`instances/:${INSTANCE_ID}`)
export class InstanceRevisionController {
  constructor(private readonly revisions: InstanceRevisionService) {}

  @Patch()
  @InstanceIdParam()
  @IfMatchHeader()
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'instances_update',
    summary: 'Upgrade a workload instance (new revision)',
    description:
      'Renders the instance again like `helm upgrade` would: its current values combined with `values` by ' +
      '`values_strategy` (default `merge`, RFC 7396), optionally another accepted document of the same chart ' +
      '(a chart upgrade), `ingress_enabled` and `cluster_name` (default: the reported cluster; its profile decides ' +
      "what helm renders for). Absent fields keep the current revision's. The instance keeps its instance_id, " +
      'release, namespace, ingress hosts and intents; the result is the next revision, status `rendered`, and a ' +
      '`run` event with the new manifests and `revision`. Every PATCH renders and makes a revision, even one ' +
      'with nothing new. Concurrent changes are serialized: with If-Match a stale revision answers 412; ' +
      'without it, a PATCH that lost the race is rendered again on the newer revision (3 attempts, then 409). ' +
      'With `?dry_run=true`: answers what would be rendered and its diff against the current revision, ' +
      'stores nothing and publishes nothing.',
  })
  @ApiOkResponse({
    description:
      'The upgraded instance (its new `revision` is also the ETag), or with dry_run=true the preview ' +
      '(InstancePreviewResponse).',
    headers: ETAG_HEADER,
    schema: {
      oneOf: [
        { $ref: getSchemaPath(InstanceResponse) },
        { $ref: getSchemaPath(InstancePreviewResponse) },
      ],
    },
  })
  @ApiProblemResponses(400, NOT_FOUND, NOT_CHANGEABLE, STALE, {
    status: 422,
    description:
      'The merged values are too large (values_too_large), the document is another chart (chart_name_mismatch), ' +
      "the chart refuses the cluster's Kubernetes version (kube_version_incompatible), or the render fails or " +
      'breaks the render policy (as for POST /workloads/{id}/instances).',
  })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param(INSTANCE_ID, uuidPipe(INSTANCE_ID)) instanceId: string,
    @Query() query: DryRunQuery,
    @Body() body: UpdateInstanceDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InstanceResponse | InstancePreviewResponse> {
    if (query.dry_run) return this.revisions.previewUpgrade(principal, instanceId, body, ifMatch);
    const instance = await this.revisions.upgrade(principal, instanceId, body, ifMatch);
    response.setHeader('ETag', revisionEtag(instance.revision));
    return instance;
  }

  @Post('rollback')
  @HttpCode(200)
  @InstanceIdParam()
  @IfMatchHeader()
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'instances_rollback',
    summary: 'Roll a workload instance back to an earlier revision',
    description:
      'Makes a new revision (current + 1) with the manifests, values, document and ingress of revision ' +
      "`revision`, without rendering (they are checked against today's render policy of the document), sets the " +
      'status `rendered` and publishes a `run` event. A rollback to the current revision is refused with 409 ' +
      '(already_at_revision): it would change nothing.',
  })
  @ApiOkResponse({ type: InstanceResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, NOT_FOUND, NOT_CHANGEABLE, STALE, {
    status: 422,
    description: "The revision's manifests break today's render policy (render_policy_violation).",
  })
  async rollback(
    @CurrentPrincipal() principal: Principal,
    @Param(INSTANCE_ID, uuidPipe(INSTANCE_ID)) instanceId: string,
    @Body() body: RollbackInstanceDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InstanceResponse> {
    const instance = await this.revisions.rollback(principal, instanceId, body.revision, ifMatch);
    response.setHeader('ETag', revisionEtag(instance.revision));
    return instance;
  }

  @Get('revisions')
  @InstanceIdParam()
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'instances_list_revisions',
    summary: 'List the revisions of a workload instance',
    description:
      'Newest first by default: revision, origin (create, upgrade, rollback), chart name and version, values ' +
      'and manifests digests, cluster, who and when, and the last status reported while it was current.',
  })
  @ApiPage(InstanceRevisionResponse)
  @ApiProblemResponses(400, NOT_FOUND)
  list(
    @CurrentPrincipal() principal: Principal,
    @Param(INSTANCE_ID, uuidPipe(INSTANCE_ID)) instanceId: string,
    @Query() query: ListRevisionsQuery,
  ): Promise<Page<InstanceRevisionResponse>> {
    return this.revisions.list(principal, instanceId, query);
  }

  @Get('revisions/:revision')
  @InstanceIdParam()
  @RevisionParam()
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'instances_get_revision',
    summary: 'Get a revision of a workload instance, with its manifests',
    description:
      'The manifests are stored once per distinct content (manifests_digest) and are exactly what the ' +
      'meta-Orchestrator got; Secrets are included, as in GET /instances/{instance_id}. Diffs never show ' +
      'Secret values.',
  })
  @ApiOkResponse({ type: InstanceRevisionDetailResponse })
  @ApiProblemResponses(400, NOT_FOUND)
  get(
    @CurrentPrincipal() principal: Principal,
    @Param(INSTANCE_ID, uuidPipe(INSTANCE_ID)) instanceId: string,
    @Param('revision', RevisionNumberPipe) revision: RevisionNumber,
  ): Promise<InstanceRevisionDetailResponse> {
    return this.revisions.get(principal, instanceId, revision);
  }

  @Get('revisions/:revision/diff')
  @InstanceIdParam()
  @RevisionParam()
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'instances_diff_revisions',
    summary: 'Diff two revisions of a workload instance',
    description:
      'Per Kubernetes object (apiVersion, kind, namespace, name) what revision `revision` added, removed or ' +
      'changed against revision `against` (default: the one before; revision 1 alone is compared with ' +
      'nothing), changed objects with an RFC 6902 JSON patch. Secret `data`/`stringData` values never ' +
      'appear: a patch shows which key was added, removed or changed.',
  })
  @ApiOkResponse({ type: RevisionDiffResponse })
  @ApiProblemResponses(400, NOT_FOUND)
  diff(
    @CurrentPrincipal() principal: Principal,
    @Param(INSTANCE_ID, uuidPipe(INSTANCE_ID)) instanceId: string,
    @Param('revision', RevisionNumberPipe) revision: RevisionNumber,
    @Query() query: DiffQuery,
  ): Promise<RevisionDiffResponse> {
    return this.revisions.diff(principal, instanceId, revision, query.against);
  }
}
