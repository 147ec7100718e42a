import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { fetchPage } from '../../database/keyset-page';
import { PageMeta, PageQuery } from '../../common/pagination/pagination';
import type { InstanceStatus } from '../../contract';
import type { KubernetesManifest } from '../../common/kubernetes-manifest';
import { InstanceRevision } from '../entities/instance-revision.entity';
import { canonicalJson } from '../rendering/render-cache';

export type NewRevision = Omit<
  InstanceRevision,
  'id' | 'createdAt' | 'manifestsDigest' | 'valuesDigest' | 'manifestSet'
>;

/** A revision with its manifests. */
export interface RevisionWithManifests {
  revision: InstanceRevision;
  manifests: KubernetesManifest[];
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The revision history of instances. Every method takes the caller's entity manager, so revisions
 * are written in the same transaction as the instance change and the `run` event.
 */
@Injectable()
export class RevisionStore {
  /** Stores the manifests once per distinct content and appends the revision that has them. */
  async append(
    manager: EntityManager,
    revision: NewRevision,
    manifests: KubernetesManifest[] | { digest: string },
  ): Promise<InstanceRevision> {
    const manifestsDigest = Array.isArray(manifests)
      ? await this.storeManifests(manager, manifests)
      : manifests.digest;
    return manager.save(
      manager.create(InstanceRevision, {
        ...revision,
        manifestsDigest,
        valuesDigest: sha256(canonicalJson(revision.values)),
      }),
    );
  }

  /** The status the meta-Orchestrator reported, recorded on the revision it is about. */
  async markStatus(
    manager: EntityManager,
    instanceDbId: number,
    revision: number,
    status: InstanceStatus,
  ): Promise<void> {
    await manager.update(InstanceRevision, { instanceDbId, revision }, { status });
  }

  /** One page of an instance's revisions, by revision number (cursor or page, as the query says). */
  page(
    manager: EntityManager,
    instanceDbId: number,
    query: PageQuery,
  ): Promise<{ entities: InstanceRevision[]; meta: PageMeta }> {
    return fetchPage(manager, InstanceRevision, query, {
      resource: 'revisions',
      sort: { name: 'revision', property: 'revision', type: 'integer' },
      where: { instanceDbId },
      filters: { instance: instanceDbId },
    });
  }

  find(
    manager: EntityManager,
    instanceDbId: number,
    revision: number,
  ): Promise<InstanceRevision | null> {
    return manager.findOneBy(InstanceRevision, { instanceDbId, revision });
  }

  /**
   * The revision and its manifests in one query (`findOne` with a relation sends two: a DISTINCT
   * query for the id under its LIMIT 1, then the join).
   */
  async findWithManifests(
    manager: EntityManager,
    instanceDbId: number,
    revision: number,
  ): Promise<RevisionWithManifests | null> {
    const found = await manager
      .createQueryBuilder(InstanceRevision, 'revision')
      .leftJoinAndSelect('revision.manifestSet', 'manifestSet')
      .where('revision.instance_id = :instanceDbId AND revision.revision = :revision', {
        instanceDbId,
        revision,
      })
      .getOne();
    if (!found?.manifestSet) return null;
    return { revision: found, manifests: found.manifestSet.manifests };
  }

  private async storeManifests(
    manager: EntityManager,
    manifests: KubernetesManifest[],
  ): Promise<string> {
    const text = canonicalJson(manifests);
    const digest = sha256(text);
    // Stored as helm wrote them (key order kept); the digest is of the canonical form. DO UPDATE
    // (not DO NOTHING) locks an existing set until this transaction ends, so the pruning of sets
    // without revisions (migration 1764001800000) skips it while this revision is being written.
    await manager.query(
      `INSERT INTO instance_manifest_set (digest, manifests, size_bytes) VALUES ($1, $2, $3)
       ON CONFLICT (digest) DO UPDATE SET digest = EXCLUDED.digest`,
      [digest, JSON.stringify(manifests), Buffer.byteLength(text)],
    );
    return digest;
  }
}
