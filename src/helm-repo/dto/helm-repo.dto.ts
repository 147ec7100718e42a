import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IndexEntry } from '../helm-index';

export class ChartVersionResponse {
  @ApiProperty({ example: '0.5.5' }) version!: string;
  @ApiPropertyOptional({ example: '1.10', nullable: true, type: String }) app_version!:
    string | null;
  @ApiPropertyOptional({ example: 'An echo server', nullable: true, type: String })
  description!: string | null;
  @ApiPropertyOptional({ example: 'v2', nullable: true, type: String }) api_version!: string | null;
  @ApiProperty({
    example: '3f1c0a8e5b0d4e7f9a2b6c1d8e4f0a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f',
    description: 'sha256 of the chart package (.tgz), hex, as in index.yaml.',
  })
  digest!: string;
  @ApiProperty({
    example: '2024-07-09T14:17:36.590Z',
    description: 'When the version was published.',
  })
  created!: string;
  @ApiProperty({ type: [String], example: ['echo-server-0.5.5.tgz'] }) urls!: string[];
}

export class ChartResponse {
  @ApiProperty({ example: 'echo-server' }) name!: string;
  @ApiProperty({ type: [ChartVersionResponse], description: 'Newest version first.' })
  versions!: ChartVersionResponse[];
}

export class ChartListResponse {
  @ApiProperty({
    example: 'nemo',
    description:
      'The name to add the repository under (HELM_REPOSITORY_NAME): ' +
      '`helm repo add <repository_name> <repository_url>`, then `helm pull <repository_name>/<chart>`.',
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    maxLength: 63,
  })
  repository_name!: string;
  @ApiProperty({
    example: 'http://127.0.0.1:54566/nemo/charts',
    description: 'The URL for `helm repo add` over HTTP.',
  })
  repository_url!: string;
  @ApiProperty({ type: [ChartResponse] }) items!: ChartResponse[];
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function toChartVersionResponse(entry: IndexEntry): ChartVersionResponse {
  return {
    version: entry.version,
    app_version: text(entry.appVersion),
    description: text(entry.description),
    api_version: text(entry.apiVersion),
    digest: entry.digest,
    created: String(entry.created),
    urls: entry.urls ?? [],
  };
}

/** One chart name of the index with its entries. */
export interface ChartSummary {
  name: string;
  versions: IndexEntry[];
}

/** Where clients find the repository: the name to add it under and its HTTP URL. */
export interface RepositoryAddress {
  name: string;
  url: string;
}

export function toChartListResponse(
  repository: RepositoryAddress,
  charts: ChartSummary[],
): ChartListResponse {
  return {
    repository_name: repository.name,
    repository_url: repository.url,
    items: charts.map((chart) => ({
      name: chart.name,
      versions: chart.versions.map(toChartVersionResponse),
    })),
  };
}
