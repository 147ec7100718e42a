import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UnprocessableError } from '../../common/errors/domain-error';
import { RenderConfig } from '../../config/slices/render.config';
import { KubernetesManifest } from '../../common/kubernetes-manifest';
import { HelmRepoService } from '../../helm-repo/helm-repo.service';
import { HELM, HelmError, HelmOutputTooLarge } from '../../infra/helm/helm.port';
import type { Helm } from '../../infra/helm/helm.port';
import { jsonSizeWithin } from './json-size';
import { parseManifests } from './manifests';
import { RenderCache, renderCacheKey, RenderCapabilities } from './render-cache';

export interface ChartReference {
  name: string;
  version: string;
  /** sha256 of the published package, when known: the repository index need not be read. */
  digest?: string;
  /**
   * The worker's verdict at onboarding: the templates call no random, clock or similar function
   * (chart-determinism), so an identical render may be served from the cache.
   */
  deterministic: boolean;
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
}

/**
 * Renders a chart of the NEMO Helm repository with `helm template` (values as a values file, never
 * `--set`), and parses the output into Kubernetes objects. The chart bytes are never parsed here
 * (the api's event loop serves every request): whether its renders may be cached is the worker's
 * stored verdict. Renders of deterministic charts are served from the {@link RenderCache} when
 * the same chart digest, values, release name and namespace were rendered before. Output beyond
 * INSTANCE_MANIFEST_MAX_BYTES (text) or RUN_EVENT_MAX_BYTES (as JSON) is refused with a 422.
 */
@Injectable()
export class ManifestRenderer {
  /** Per local chart file: the archive is immutable once fetched, so size+mtime identify it. */
  private readonly digests = new Map<string, { size: number; mtimeMs: number; digest: string }>();

  constructor(
    @Inject(HELM) private readonly helm: Helm,
    private readonly helmRepo: HelmRepoService,
    private readonly cache: RenderCache,
    private readonly config: RenderConfig,
  ) {}

  async render(chart: ChartReference, input: RenderInput): Promise<RenderOutput> {
    const chartPath = await this.helmRepo.fetchChart(chart.name, chart.version, chart.digest);
    return this.renderFile(chartPath, input, chart);
  }

  /** Renders a local chart package (the cache is keyed by its content digest, not its path). */
  private async renderFile(
    chartPath: string,
    input: RenderInput,
    chart: Pick<ChartReference, 'digest' | 'deterministic'>,
  ): Promise<RenderOutput> {
    const digest = chart.digest ? `sha256:${chart.digest}` : await this.digestOf(chartPath);
    const key = renderCacheKey({ chartDigest: digest, ...input });
    const hit = chart.deterministic ? await this.cache.get(key) : undefined;
    if (hit !== undefined && Buffer.byteLength(hit) <= this.config.INSTANCE_MANIFEST_MAX_BYTES) {
      return { manifests: this.parse(hit) };
    }
    const rendered = await this.template(chartPath, input);
    const manifests = this.parse(rendered);
    if (chart.deterministic) await this.cache.put(key, rendered);
    return { manifests };
  }

  private parse(rendered: string): KubernetesManifest[] {
    const manifests = parseManifests(rendered);
    // YAML aliases make a small text a huge JSON: measured without building it, and bounded.
    if (!jsonSizeWithin(manifests, this.config.RUN_EVENT_MAX_BYTES)) {
      throw tooLarge(
        `the rendered manifests are larger than ${this.config.RUN_EVENT_MAX_BYTES} bytes as JSON (RUN_EVENT_MAX_BYTES)`,
      );
    }
    return manifests;
  }

  private async template(chartPath: string, input: RenderInput): Promise<string> {
    try {
      return await this.helm.template(chartPath, {
        releaseName: input.releaseName,
        namespace: input.namespace,
        // JSON is YAML: the values reach helm as a values file exactly as the caller sent them.
        valuesYaml: Object.keys(input.values).length > 0 ? JSON.stringify(input.values) : undefined,
        maxOutputBytes: this.config.INSTANCE_MANIFEST_MAX_BYTES,
        kubeVersion: input.capabilities?.kubeVersion,
        apiVersions: input.capabilities?.apiVersions,
      });
    } catch (error) {
      if (error instanceof HelmOutputTooLarge) {
        throw tooLarge(
          `the rendered manifests are larger than ${error.limitBytes} bytes (INSTANCE_MANIFEST_MAX_BYTES)`,
        );
      }
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

  /** Hashed as a stream: a large package never holds the event loop. */
  private async digestOf(chartPath: string): Promise<string> {
    const { size, mtimeMs } = await stat(chartPath);
    const known = this.digests.get(chartPath);
    if (known && known.size === size && known.mtimeMs === mtimeMs) return known.digest;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(chartPath)) hash.update(chunk as Buffer);
    const digest = `sha256:${hash.digest('hex')}`;
    this.digests.set(chartPath, { size, mtimeMs, digest });
    return digest;
  }
}

function tooLarge(detail: string): UnprocessableError {
  return new UnprocessableError('manifests_too_large', detail, [
    { field: 'values', reason: detail },
  ]);
}
