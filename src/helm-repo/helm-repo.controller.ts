import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ChartListResponse } from './dto/helm-repo.dto';
import { HelmRepoService } from './helm-repo.service';

@ApiTags('helm-repo')
@Controller('helm-repo')
export class HelmRepoController {
  constructor(private readonly helmRepo: HelmRepoService) {}

  @Get('charts')
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'helm_repo_list_charts',
    summary: 'List the charts the NEMO Helm repository holds',
    description:
      'Every chart name with its versions (newest first), digest and publication time, read from ' +
      'the repository index. The repository is shared by all tenants, like a Helm repository.',
  })
  @ApiOkResponse({ type: ChartListResponse })
  listCharts(@CurrentPrincipal() _principal: Principal): Promise<ChartListResponse> {
    return this.helmRepo.listCharts();
  }

  @Get('index.yaml')
  @RequirePermission('read')
  @Header('Content-Type', 'text/yaml; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @ApiProduces('text/yaml')
  @ApiOperation({
    operationId: 'helm_repo_index',
    summary: 'The repository index (index.yaml) as stored',
    description:
      'The helm-s3 layout index, byte for byte as stored in the bucket (an empty index before the ' +
      'first chart is published).',
  })
  @ApiOkResponse({
    description: 'index.yaml',
    content: {
      'text/yaml': {
        schema: { type: 'string' },
        example: "apiVersion: v1\nentries: {}\ngenerated: '2026-01-01T00:00:00.000Z'\n",
      },
    },
  })
  readIndex(@CurrentPrincipal() _principal: Principal): Promise<string> {
    return this.helmRepo.readIndexText();
  }
}
