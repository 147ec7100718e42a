import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isAdmin, Principal } from '../auth/principal';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { fetchPage } from '../database/keyset-page';
import { Page } from '../common/pagination/pagination';
import { normalizeKubernetesVersion } from './cluster-names';
import {
  ClusterProfileResponse,
  ListClustersQuery,
  PutClusterProfileDto,
  toClusterProfileResponse,
} from './dto/cluster-profile.dto';
import { ClusterProfile } from './entities/cluster-profile.entity';

/** What rendering needs of a profile: helm's capabilities and the ingress overrides. */
export interface ClusterRenderProfile {
  name: string;
  kubeVersion: string;
  apiVersions: readonly string[];
  defaultNamespace: string | null;
  ingressClassName: string | null;
  ingressDomain: string | null;
}

/** Platform operators write the inventory: admins, and the meta-Orchestrator's service role. */
function ensureOperator(principal: Principal): void {
  if (isAdmin(principal) || principal.roles.has('service')) return;
  throw new DomainError(
    403,
    'platform_role_required',
    'Forbidden',
    'Only admins and the platform service role may change cluster profiles',
  );
}

/**
 * Target-cluster profiles. Tenant-independent platform data: which clusters exist and what they
 * run is the same for every tenant, so profiles have no tenant column and every reader sees all.
 */
@Injectable()
export class ClusterService {
  constructor(
    @InjectRepository(ClusterProfile) private readonly profiles: Repository<ClusterProfile>,
  ) {}

  /** Creates or replaces the whole profile; `created` tells which. */
  async put(
    principal: Principal,
    name: string,
    body: PutClusterProfileDto,
  ): Promise<{ profile: ClusterProfileResponse; created: boolean }> {
    ensureOperator(principal);
    const existed = await this.profiles.existsBy({ name });
    await this.profiles.upsert(
      {
        name,
        kubernetesVersion: normalizeKubernetesVersion(body.kubernetes_version),
        apiVersions: [...new Set(body.api_versions ?? [])],
        defaultNamespace: body.default_namespace ?? null,
        ingressClassName: body.ingress_class_name ?? null,
        ingressDomain: body.ingress_domain ?? null,
        updatedBy: principal.subject,
        updatedAt: new Date(),
      },
      ['name'],
    );
    return { profile: await this.get(name), created: !existed };
  }

  async list(query: ListClustersQuery): Promise<Page<ClusterProfileResponse>> {
    const { entities, meta } = await fetchPage(this.profiles.manager, ClusterProfile, query, {
      resource: 'clusters',
      sort: { name: 'name', property: 'name', type: 'text' },
      where: {},
      filters: {},
    });
    return { items: entities.map(toClusterProfileResponse), meta };
  }

  async get(name: string): Promise<ClusterProfileResponse> {
    const profile = await this.profiles.findOneBy({ name });
    if (!profile) throw new NotFoundError('cluster_profile', name);
    return toClusterProfileResponse(profile);
  }

  /** Instances keep what they rendered; later renders for the cluster use helm's defaults. */
  async delete(principal: Principal, name: string): Promise<void> {
    ensureOperator(principal);
    const { affected } = await this.profiles.delete({ name });
    if (!affected) throw new NotFoundError('cluster_profile', name);
  }

  /** The profile of a cluster, if the platform has one (clusters without one render as before). */
  async findRenderProfile(
    name: string | null | undefined,
  ): Promise<ClusterRenderProfile | undefined> {
    if (name === null || name === undefined) return undefined;
    const profile = await this.profiles.findOneBy({ name });
    if (!profile) return undefined;
    return {
      name: profile.name,
      kubeVersion: profile.kubernetesVersion,
      apiVersions: profile.apiVersions,
      defaultNamespace: profile.defaultNamespace,
      ingressClassName: profile.ingressClassName,
      ingressDomain: profile.ingressDomain,
    };
  }
}
