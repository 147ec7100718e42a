import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Post,
  Put,
  Query,
  UploadedFiles,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission } from '../auth/auth.decorators';
import { Page } from '../common/pagination/pagination';
import { ApiPage } from '../openapi/api-page.decorator';
import { ApiProblemResponses } from '../openapi/api-problem-responses.decorator';
import { MultipartBody } from '../common/http/body-type';
import { IdParam } from '../common/http/id';
import { Principal } from '../auth/principal';
import { ChartPackageInterceptor, ChartUploadParts } from './chart-package.interceptor';
import { CreateWorkloadDto } from './dto/create-workload.dto';
import { ListWorkloadsQuery } from './dto/list-workloads.query';
import { RenderPolicyDto } from './dto/render-policy.dto';
import { WorkloadDetailResponse, WorkloadResponse } from './dto/workload.response';
import { WorkloadService } from './workload.service';

const WORKLOAD_ID = { description: 'Workload document id.', example: 4 };
const NOT_FOUND = 'No workload document with this id in your tenant.';

@ApiTags('workloads')
@Controller('workloads')
export class WorkloadController {
  constructor(private readonly workloads: WorkloadService) {}

  @Post()
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'workloads_create',
    summary: 'Register a workload document (a Helm chart)',
    description:
      'Registers a chart name and version; the document is `pending` until its package is uploaded. ' +
      '(name, version) is unique per tenant.',
  })
  @ApiCreatedResponse({ type: WorkloadResponse })
  @ApiProblemResponses({
    status: 400,
    description: 'Invalid name, version or type (problem+json naming each field).',
  })
  @ApiProblemResponses({
    status: 409,
    description: 'This name and version are already registered (code workload_exists).',
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateWorkloadDto,
  ): Promise<WorkloadResponse> {
    return this.workloads.create(principal, body);
  }

  @Post(':id/upload')
  @HttpCode(202)
  // Above RequirePermission, whose generic 429 and 503 would otherwise replace these.
  @ApiProblemResponses(
    {
      status: 429,
      description:
        'Too many requests from this client (code `rate_limited`), or the uploads the tenant has ' +
        'being read would exceed WORKLOAD_UPLOADS_MAX_BYTES_PER_TENANT with this one (code ' +
        '`uploads_in_progress`); retry after the `Retry-After` header (seconds).',
    },
    {
      status: 503,
      description:
        'The uploads this api process is reading would exceed WORKLOAD_UPLOADS_MAX_BYTES with this ' +
        'one (code `upload_capacity_exhausted`), or a dependency is unavailable; retry after the ' +
        '`Retry-After` header (seconds).',
    },
  )
  @RequirePermission('write')
  @UseInterceptors(ChartPackageInterceptor)
  @MultipartBody()
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary', description: 'The chart package (.tgz).' },
        provenance: {
          type: 'string',
          format: 'binary',
          description:
            'Optional: the provenance file (`.prov`) `helm package --sign` wrote for this package, ' +
            'checked with `helm verify` under CHART_PROVENANCE and published beside the package. ' +
            'At most 256 KiB.',
        },
      },
    },
  })
  @ApiOperation({
    operationId: 'workloads_upload',
    summary: 'Upload the chart package and start onboarding',
    description:
      'Stores the package and starts onboarding in the background (status `onboarding`): the archive ' +
      'is checked, `helm lint` and `helm template` must pass, every image is mirrored into the NEMO ' +
      'registry and the chart is published to the NEMO Helm repository; then the status is `accepted` ' +
      'or `rejected` with a reason. With a `provenance` part, the package must verify against it ' +
      'and the keyring of trusted signers (CHART_PROVENANCE=verify-if-present, the default); under ' +
      'CHART_PROVENANCE=required a package without one is rejected. Allowed while `pending` or `rejected`.',
  })
  @ApiAcceptedResponse({ type: WorkloadResponse, description: 'Onboarding queued.' })
  @ApiProblemResponses({
    status: 400,
    description:
      'No file in the multipart field `file`, or a `provenance` part that is empty or over 256 KiB ' +
      '(refused as it streams in: nothing past 256 KiB is kept).',
  })
  @ApiProblemResponses({ status: 404, description: NOT_FOUND })
  @ApiProblemResponses({
    status: 409,
    description: 'The document is onboarding or accepted (code workload_not_uploadable).',
  })
  @ApiProblemResponses({
    status: 413,
    description:
      'The package is larger than WORKLOAD_PACKAGE_MAX_BYTES, or the Content-Length more than such ' +
      'a package, a 256 KiB provenance part, the text fields and the multipart framing.',
  })
  async upload(
    @CurrentPrincipal() principal: Principal,
    @IdParam('id', WORKLOAD_ID) id: number,
    @UploadedFiles() parts: ChartUploadParts | undefined,
  ): Promise<WorkloadResponse> {
    return this.workloads.upload(
      principal,
      id,
      parts?.file?.[0]?.buffer,
      parts?.provenance?.[0]?.buffer,
    );
  }

  @Get()
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'workloads_list',
    summary: 'List workload documents',
    description:
      'Pages of the documents of your tenant, filtered by name, status and type, sorted by `sort` and `order`.',
  })
  @ApiPage(WorkloadResponse)
  @ApiProblemResponses({ status: 400, description: 'Invalid query parameter.' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListWorkloadsQuery,
  ): Promise<Page<WorkloadResponse>> {
    return this.workloads.list(principal, query);
  }

  @Get(':id')
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'workloads_get',
    summary: 'Get a workload document',
    description:
      'With its onboarding progress, the rejection reason when rejected, and its mirrored images.',
  })
  @ApiOkResponse({ type: WorkloadDetailResponse })
  @ApiProblemResponses({ status: 404, description: NOT_FOUND })
  async get(
    @CurrentPrincipal() principal: Principal,
    @IdParam('id', WORKLOAD_ID) id: number,
  ): Promise<WorkloadDetailResponse> {
    return this.workloads.get(principal, id);
  }

  @Put(':id/render-policy')
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'workloads_set_render_policy',
    summary: 'Set the render policy of a workload document (admins)',
    description:
      'Every rendered object of an instance is checked against the render policy: only namespaced ' +
      'application kinds, only the instance namespace, no system namespace, pods meeting the Pod ' +
      'Security Standards profile (RENDER_POLICY_POD_SECURITY, `baseline` by default). An admin may ' +
      'allow further kinds (e.g. ClusterRole) and choose another profile for this document only. ' +
      'Replaces the whole policy; later renders use it.',
  })
  @ApiOkResponse({ type: WorkloadResponse })
  @ApiProblemResponses({
    status: 400,
    description: 'Invalid kind names or profile (problem+json naming each).',
  })
  @ApiProblemResponses({
    status: 403,
    description: 'The caller is not an admin (code admin_required).',
  })
  @ApiProblemResponses({ status: 404, description: NOT_FOUND })
  async setRenderPolicy(
    @CurrentPrincipal() principal: Principal,
    @IdParam('id', WORKLOAD_ID) id: number,
    @Body() body: RenderPolicyDto,
  ): Promise<WorkloadResponse> {
    return this.workloads.setRenderPolicy(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('write')
  @ApiOperation({
    operationId: 'workloads_delete',
    summary: 'Delete a workload document',
    description:
      'Removes the document and its chart from the NEMO Helm repository (index entry included). ' +
      'Refused while live instances use it or while it is onboarding. Safe to repeat after a failure.',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblemResponses({ status: 404, description: NOT_FOUND })
  @ApiProblemResponses({
    status: 409,
    description:
      'Live instances exist (workload_in_use) or it is onboarding (workload_onboarding).',
  })
  async delete(
    @CurrentPrincipal() principal: Principal,
    @IdParam('id', WORKLOAD_ID) id: number,
  ): Promise<void> {
    await this.workloads.delete(principal, id);
  }
}
