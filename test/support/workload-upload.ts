import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../../src/auth/principal';
import { WorkloadDocument } from '../../src/workload/entities/workload-document.entity';
import type { OnboardJobData } from '../../src/workload/jobs/onboarding.queue';
import { WorkloadService } from '../../src/workload/workload.service';

/**
 * Uploads a package through WorkloadService, as the upload route does, and answers the onboarding
 * job it queued, so a test can run that onboarding itself (the upload sequence is stored state,
 * not part of the API's answer).
 */
export async function uploadForOnboarding(
  app: INestApplicationContext,
  principal: Principal,
  documentId: number,
  bytes: Buffer,
  provenance?: Buffer,
): Promise<OnboardJobData> {
  await app.get(WorkloadService).upload(principal, documentId, bytes, provenance);
  const { uploadSeq } = await app
    .get(DataSource)
    .getRepository(WorkloadDocument)
    .findOneByOrFail({ id: documentId });
  return { documentId, uploadSeq };
}
