import { getQueueToken } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ONBOARDING_QUEUE } from '../../../src/workload/jobs/onboarding.queue';
import { pushTestImage } from '../../support/oci-image';
import { shopChart, ShopChartOptions } from './shop-chart';

export interface OnboardedWorkload {
  id: number;
  name: string;
  version: string;
  /** source reference → mirrored reference (tag), as onboarding recorded them. */
  mirrors: Record<string, string>;
  /** source reference → `<mirror repository>@<recorded digest>`, what renders pull. */
  pinned: Record<string, string>;
  images: { app: string; init: string };
}

/** Source images of the shop chart, pushed to the local registry under a unique repository. */
export async function pushShopImages(): Promise<{ app: string; init: string }> {
  const registry = process.env.REGISTRY_HOST ?? '';
  const run = randomUUID().slice(0, 8);
  const [app, init] = await Promise.all([
    pushTestImage(registry, `instance-e2e/${run}/app`, '1.0'),
    pushTestImage(registry, `instance-e2e/${run}/init`, '1.0'),
  ]);
  return { app: app.reference, init: init.reference };
}

/**
 * Onboarding job ids are `onboard:<document id>:<upload>`: after a database reset restarts the ids,
 * jobs a previous run left in Redis would swallow the new ones. Empty the queue with the tables.
 */
export async function resetOnboardingQueue(app: INestApplication): Promise<void> {
  await app.get<Queue>(getQueueToken(ONBOARDING_QUEUE)).obliterate({ force: true });
}

/**
 * The real path to an accepted workload document: register it, upload the shop chart, and wait
 * while the worker lints, renders, mirrors the images and publishes the chart.
 */
export async function onboardShop(
  http: ReturnType<typeof request>,
  auth: string,
  options: ShopChartOptions & { ingressSupport: boolean; images: { app: string; init: string } },
): Promise<OnboardedWorkload> {
  const name = options.name ?? 'shop';
  // The Helm repository outlives the database between runs: a new version per run never collides.
  const version = options.version ?? `0.1.0-r${randomUUID().slice(0, 8)}`;
  const created = await http
    .post('/api/v1/workloads')
    .set('Authorization', auth)
    .send({ name, version, type: 'chart', ingress_support: options.ingressSupport })
    .expect(201);
  const id = created.body.id as number;
  const chart = shopChart({
    ...options,
    name,
    version,
    values: { ...options.values, images: options.images },
  });
  await http
    .post(`/api/v1/workloads/${id}/upload`)
    .set('Authorization', auth)
    .attach('file', chart, { filename: `${name}-${version}.tgz`, contentType: 'application/gzip' })
    .expect(202);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { body } = await http
      .get(`/api/v1/workloads/${id}`)
      .set('Authorization', auth)
      .expect(200);
    if (body.status === 'accepted') {
      const images = body.images as Array<{ source: string; mirrored: string; digest: string }>;
      const mirrors = Object.fromEntries(images.map((image) => [image.source, image.mirrored]));
      const pinned = Object.fromEntries(
        images.map((image) => [
          image.source,
          `${image.mirrored.split(/:[^:/]+$/)[0]}@${image.digest}`,
        ]),
      );
      return { id, name, version, mirrors, pinned, images: options.images };
    }
    if (body.status === 'rejected')
      throw new Error(`onboarding rejected ${name}: ${body.rejection_reason}`);
    if (Date.now() > deadline)
      throw new Error(`onboarding of ${name} did not finish: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
