import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { UnprocessableError } from '../../common/errors/domain-error';
import { KubernetesManifest } from '../../common/kubernetes-manifest';

const HOOK_ANNOTATION = 'helm.sh/hook';
const TEST_HOOKS = new Set(['test', 'test-success', 'test-failure']);

function isManifest(document: unknown): document is KubernetesManifest {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return false;
  const { apiVersion, kind } = document as Record<string, unknown>;
  return typeof apiVersion === 'string' && typeof kind === 'string';
}

/** Chart tests (`helm.sh/hook: test`) are run by `helm test`, never installed: they are not the workload. */
export function isTestHook(manifest: KubernetesManifest): boolean {
  const metadata = manifest.metadata as { annotations?: Record<string, unknown> } | undefined;
  const hook = metadata?.annotations?.[HOOK_ANNOTATION];
  if (typeof hook !== 'string') return false;
  return hook.split(',').some((name) => TEST_HOOKS.has(name.trim()));
}

/**
 * `helm template` output → one JSON object per YAML document, in order; empty documents (templates
 * that rendered to nothing) are dropped. The core schema keeps timestamps and YAML 1.1 words such
 * as `yes` as the strings Kubernetes would read.
 */
export function parseManifests(yamlText: string): KubernetesManifest[] {
  let documents: unknown[];
  try {
    documents = loadAll(yamlText, null, { schema: CORE_SCHEMA });
  } catch (error) {
    throw new UnprocessableError(
      'render_invalid',
      `the chart rendered invalid YAML: ${(error as Error).message}`,
    );
  }
  const manifests: KubernetesManifest[] = [];
  for (const [index, document] of documents.entries()) {
    if (document === null || document === undefined) continue;
    if (!isManifest(document)) {
      throw new UnprocessableError(
        'render_invalid',
        `rendered document ${index + 1} is not a Kubernetes object (it needs apiVersion and kind)`,
      );
    }
    if (!isTestHook(document)) manifests.push(document);
  }
  return manifests;
}
