import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { UnprocessableError } from '../../common/errors/domain-error';
import { KubernetesManifest } from '../../events/payloads';
import { HelmRepoService } from '../../helm-repo/helm-repo.service';
import { chartNonDeterminism } from '../../infra/chart-archive/chart-determinism';
import { HELM, HelmError } from '../../infra/helm/helm.port';
import type { Helm } from '../../infra/helm/helm.port';
import { parseManifests } from './manifests';
import { RenderCache, renderCacheKey, RenderCapabilities } from './render-cache';

export interface ChartReference {
  name: string;
  version: string;
  /** sha256 of the published package, when known: the repository index need not be read. */
  digest?: string;
}

export interface RenderInput {
  releaseName: string;
  namespace?: string;
  values: Record<string, unknown>;
  /** The target cluster's profile, when it has one: helm renders for that cluster. */
  capabilities?: RenderCapabilities;
}

/** helm's refusal of a chart whose `kubeVersion` constraint the target cluster does not meet. */
const KUBE_VERSION_REFUSAL =
  /chart requires kubeVersion: (.+?) which is incompatible with Kubernetes (\S+)/;

export interface RenderOutput {
  manifests: KubernetesManifest[];
  /** Whether `helm template` was skipped because an identical render was cached. */
  cached: boolean;
}

interface ChartFacts {
  size: number;
  mtimeMs: number;
  digest: string;
  /** Non-deterministic template functions found in the chart; empty means cacheable. */
  nonDeterministic: string[];
}

/**
 * Renders a chart of the NEMO Helm repository with `helm template` (values as a values file, never
 * `--set`), and parses the output into Kubernetes objects. Charts whose templates are
 * deterministic are served from the {@link RenderCache} when the same chart digest, values,
 * release name and namespace were rendered before.
 */
@Injectable()
export class ManifestRenderer {
  private readonly logger = new Logger(ManifestRenderer.name);
  /** Per local chart file: the archive is immutable once fetched, so size+mtime identify it. */
  private readonly charts = new Map<string, Promise<ChartFacts>>();

  constructor(
    @Inject(HELM) private readonly helm: Helm,
    private readonly helmRepo: HelmRepoService,
    private readonly cache: RenderCache,
  ) {}

  async render(chart: ChartReference, input: RenderInput): Promise<RenderOutput> {
    const chartPath = await this.helmRepo.fetchChart(chart.name, chart.version, chart.digest);
    return this.renderFile(chartPath, input);
  }

  /** Renders a local chart package (the cache is keyed by its content digest, not its path). */
  async renderFile(chartPath: string, input: RenderInput): Promise<RenderOutput> {
    const facts = await this.factsOf(chartPath);
    const cacheable = facts.nonDeterministic.length === 0;
    const key = renderCacheKey({ chartDigest: facts.digest, ...input });
    const hit = cacheable ? await this.cache.get(key) : undefined;
    if (hit !== undefined) return { manifests: parseManifests(hit), cached: true };
    const rendered = await this.template(chartPath, input);
    if (cacheable) await this.cache.put(key, rendered);
    return { manifests: parseManifests(rendered), cached: false };
  }

  private async template(chartPath: string, input: RenderInput): Promise<string> {
    try {
      return await this.helm.template(chartPath, {
        releaseName: input.releaseName,
        namespace: input.namespace,
        // JSON is YAML: the values reach helm as a values file exactly as the caller sent them.
        valuesYaml: Object.keys(input.values).length > 0 ? JSON.stringify(input.values) : undefined,
        kubeVersion: input.capabilities?.kubeVersion,
        apiVersions: input.capabilities?.apiVersions,
      });
    } catch (error) {
      if (!(error instanceof HelmError)) throw error;
      const refusal = KUBE_VERSION_REFUSAL.exec(error.message);
      if (refusal) {
        const [, constraint, version] = refusal;
        throw new UnprocessableError(
          'kube_version_incompatible',
          `the chart requires Kubernetes ${constraint}; it is rendered for Kubernetes ${version} (the cluster profile, or helm's default without one)`,
          [
            {
              field: 'cluster_name',
              reason: `Kubernetes ${version} does not satisfy ${constraint}`,
            },
          ],
        );
      }
      throw new UnprocessableError(
        'render_failed',
        `helm template failed: ${error.message.trim()}`,
      );
    }
  }

  private async factsOf(chartPath: string): Promise<ChartFacts> {
    const { size, mtimeMs } = await stat(chartPath);
    const known = this.charts.get(chartPath);
    if (known) {
      const facts = await known;
      if (facts.size === size && facts.mtimeMs === mtimeMs) return facts;
    }
    const loading = this.inspect(chartPath, size, mtimeMs);
    this.charts.set(chartPath, loading);
    loading.catch(() => this.charts.delete(chartPath));
    return loading;
  }

  private async inspect(chartPath: string, size: number, mtimeMs: number): Promise<ChartFacts> {
    const archive = await readFile(chartPath);
    const digest = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
    const nonDeterministic = await chartNonDeterminism(archive).catch(() => ['(unreadable)']);
    if (nonDeterministic.length > 0) {
      this.logger.log(
        `${chartPath} calls ${nonDeterministic.join(', ')}: its renders are never cached`,
      );
    }
    return { size, mtimeMs, digest, nonDeterministic };
  }
}
