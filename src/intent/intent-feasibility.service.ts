import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import type { Conflict } from './domain/contradiction';
import {
  FeasibilityVerdict,
  feasibilityFindings,
  feasibilityVerdict,
  ObjectCheck,
} from './domain/feasibility';
import { IntentDraft, objectsOf } from './domain/intent-draft';
import { toIntentDefinition } from './dto/intent-object.mapper';
import { INTENT_TEMPLATE_CATALOG } from './intent-templates.service';
import { IntentStore } from './intent.store';
import { ObjectResolverRegistry } from './object-resolver.registry';
import type { TemplateCatalog } from './templates/template-catalog';

export interface FeasibilityCheck {
  verdict: FeasibilityVerdict;
  /** The other intents the candidate conflicts with (none for a DEACTIVATED candidate). */
  conflicts: Conflict[];
}

/**
 * Gathers what the pure feasibility rules need (object ownership from the registered resolvers,
 * the other active intents on the same objects) inside the caller's transaction, and runs them.
 */
@Injectable()
export class IntentFeasibilityService {
  constructor(
    private readonly store: IntentStore,
    private readonly resolvers: ObjectResolverRegistry,
    @Inject(INTENT_TEMPLATE_CATALOG) private readonly catalog: TemplateCatalog,
  ) {}

  /**
   * `tenant` is the intent's tenant (contradictions are looked for among its intents); `except` is
   * the intent being updated, which must not contradict its own previous version. A DEACTIVATED
   * candidate takes no part in contradiction checks: it is checked against itself only.
   */
  async check(
    m: EntityManager,
    principal: Principal,
    tenant: string,
    draft: IntentDraft,
    except: number | null,
  ): Promise<FeasibilityCheck> {
    const objects = objectsOf(draft);
    await this.store.lockObjects(m, tenant, objects);
    const checks: ObjectCheck[] = [];
    for (const object of objects) {
      const resolver = this.resolvers.get(object.object_type);
      const owned = resolver ? await resolver(m, principal, object.object_instance) : null;
      checks.push({
        ...object,
        status: owned === null ? 'unverifiable' : owned ? 'owned' : 'missing',
      });
    }
    const otherIds =
      draft.intent_admin_state === 'ACTIVATED'
        ? await this.store.activeIdsOnObjects(m, tenant, objects, except)
        : [];
    const others = (await this.store.loadDefinitions(m, otherIds)).map((rows) => ({
      id: rows.intent.id,
      intent: toIntentDefinition(rows),
    }));
    const findings = feasibilityFindings({
      candidate: draft,
      catalog: this.catalog,
      objects: checks,
      others,
    });
    return { verdict: feasibilityVerdict(findings.reasons), conflicts: findings.conflicts };
  }
}
