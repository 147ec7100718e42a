import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { tarball } from './charts';

const run = promisify(execFile);

const digestOf = (bytes: Buffer): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface OciImageOptions {
  /** Different contents give different digests. */
  content?: string;
  /** Size of the layer's payload in bytes (random, incompressible) for benchmarks. */
  layerBytes?: number;
}

/**
 * Writes an OCI image layout (one gzipped layer, a config, a manifest, index.json) into `dir`,
 * tagged `tag`: an image skopeo can push without Docker. Returns the manifest digest.
 */
export async function writeOciLayout(
  dir: string,
  tag: string,
  options: OciImageOptions = {},
): Promise<string> {
  const payload = options.layerBytes
    ? Buffer.concat([Buffer.from(options.content ?? randomUUID()), randomBytes(options.layerBytes)])
    : Buffer.from(options.content ?? randomUUID());
  const layerTar = tarball([{ path: 'hello.txt', content: payload }]);
  const layer = gzipSync(layerTar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/hello'] },
      rootfs: { type: 'layers', diff_ids: [digestOf(layerTar)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: digestOf(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: digestOf(layer),
          size: layer.length,
        },
      ],
    }),
  );
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const blob of [layer, config, manifest]) {
    await writeFile(join(blobs, digestOf(blob).slice('sha256:'.length)), blob);
  }
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: digestOf(manifest),
        size: manifest.length,
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return digestOf(manifest);
}

/**
 * Builds a distinct test image and pushes it to `registryHost/repository:tag` (plain HTTP registry).
 * Returns the full reference and the manifest digest.
 */
export async function pushTestImage(
  registryHost: string,
  repository: string,
  tag: string,
  options: OciImageOptions = {},
): Promise<{ reference: string; digest: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'nemo-oci-'));
  try {
    const digest = await writeOciLayout(dir, tag, options);
    const reference = `${registryHost}/${repository}:${tag}`;
    await run(process.env.SKOPEO_BIN ?? 'skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${dir}:${tag}`,
      `docker://${reference}`,
    ]);
    return { reference, digest };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The manifest digest the registry serves for `reference`, or null when it has none. */
export async function registryDigest(reference: string): Promise<string | null> {
  try {
    const { stdout } = await run(process.env.SKOPEO_BIN ?? 'skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${reference}`,
    ]);
    return digestOf(Buffer.from(stdout));
  } catch {
    return null;
  }
}
