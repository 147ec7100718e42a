import { CORE_SCHEMA, loadAll } from 'js-yaml';

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** The rendered chart is not YAML Kubernetes could read. */
export class RenderedYamlError extends Error {}

/**
 * Every container image the rendered manifests use, each once, in order of appearance. A pod spec
 * is recognised by its shape (an object with a `containers` list) wherever it sits, so Pods,
 * Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs, CronJobs
 * (`jobTemplate`), PodTemplates, `List` items and custom resources that embed a pod template are
 * all covered without a list of kinds to keep up to date.
 */
export function collectImages(renderedYaml: string): string[] {
  const images = new Set<string>();
  for (const document of parseDocuments(renderedYaml)) visit(document, images);
  return [...images];
}

function parseDocuments(renderedYaml: string): unknown[] {
  try {
    return loadAll(renderedYaml, undefined, { schema: CORE_SCHEMA });
  } catch (error) {
    throw new RenderedYamlError(
      `the rendered chart is not valid YAML: ${(error as Error).message}`,
    );
  }
}

function visit(node: unknown, images: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, images);
    return;
  }
  if (!isObject(node)) return;
  if (Array.isArray(node.containers)) collectPodSpec(node, images);
  for (const value of Object.values(node)) visit(value, images);
}

function collectPodSpec(spec: Record<string, unknown>, images: Set<string>): void {
  for (const list of CONTAINER_LISTS) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const container of containers) {
      const image = isObject(container) ? container.image : undefined;
      if (typeof image === 'string' && image.trim() !== '') images.add(image.trim());
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
