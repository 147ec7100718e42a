import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, RequirePermission } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { Page } from '../common/pagination/pagination';
import { ApiPage } from '../openapi/api-page.decorator';
import { ApiProblemResponses } from '../openapi/api-problem-responses.decorator';
import { ClusterNamePipe } from './cluster-name.pipe';
import { CLUSTER_NAME, MAX_CLUSTER_NAME } from './cluster-names';
import { ClusterService } from './cluster.service';
import {
  ClusterProfileResponse,
  ListClustersQuery,
  PutClusterProfileDto,
} from './dto/cluster-profile.dto';

const NAME_PARAM = ApiParam({
  name: 'name',
  description: 'The cluster name, as the meta-Orchestrator reports it in `cluster_name`.',
  schema: { type: 'string', maxLength: MAX_CLUSTER_NAME, pattern: CLUSTER_NAME.source },
  example: 'k3s-cluster',
});
const OPERATORS_ONLY = {
  status: 403,
  description: 'The caller is neither an admin nor the service role (code platform_role_required).',
};

@ApiTags('clusters')
@Controller('clusters')
export class ClusterController {
  constructor(private readonly clusters: ClusterService) {}

  @Put(':name')
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'clusters_put',
    summary: 'Create or replace a target-cluster profile (admins, service role)',
    description:
      'Instances created or upgraded for this `cluster_name` (given by the client, or reported by the ' +
      'meta-Orchestrator) render with `helm template --kube-version` and `--api-versions` of this profile, ' +
      'into its default namespace when none is given, exposed with its ingress class and domain. Profiles ' +
      'are platform data shared by every tenant. Instances keep what they rendered; later renders use the ' +
      'new profile.',
  })
  @NAME_PARAM
  @ApiOkResponse({ type: ClusterProfileResponse, description: 'The profile was replaced.' })
  @ApiCreatedResponse({ type: ClusterProfileResponse, description: 'The profile was created.' })
  @ApiProblemResponses(400, OPERATORS_ONLY)
  async put(
    @CurrentPrincipal() principal: Principal,
    @Param('name', ClusterNamePipe) name: string,
    @Body() body: PutClusterProfileDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ClusterProfileResponse> {
    const { profile, created } = await this.clusters.put(principal, name, body);
    response.status(created ? 201 : 200);
    return profile;
  }

  @Get()
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'clusters_list',
    summary: 'List target-cluster profiles',
    description: 'Every profile (platform data: the same for every tenant), by name.',
  })
  @ApiPage(ClusterProfileResponse)
  @ApiProblemResponses(400)
  list(@Query() query: ListClustersQuery): Promise<Page<ClusterProfileResponse>> {
    return this.clusters.list(query);
  }

  @Get(':name')
  @RequirePermission('read')
  @ApiOperation({ operationId: 'clusters_get', summary: 'Get a target-cluster profile' })
  @NAME_PARAM
  @ApiOkResponse({ type: ClusterProfileResponse })
  @ApiProblemResponses(404)
  get(@Param('name', ClusterNamePipe) name: string): Promise<ClusterProfileResponse> {
    return this.clusters.get(name);
  }

  @Delete(':name')
  @HttpCode(204)
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'clusters_delete',
    summary: 'Delete a target-cluster profile (admins, service role)',
    description:
      "Instances keep what they rendered; later renders for the cluster use helm's own defaults.",
  })
  @NAME_PARAM
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblemResponses(404, OPERATORS_ONLY)
  delete(
    @CurrentPrincipal() principal: Principal,
    @Param('name', ClusterNamePipe) name: string,
  ): Promise<void> {
    return this.clusters.delete(principal, name);
  }
}
