import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';

/**
 * Tells whether an object instance of one type exists and belongs to the caller. It runs inside
 * the caller's transaction (same manager), so an object created in that transaction counts.
 */
export type ObjectResolver = (
  manager: EntityManager,
  principal: Principal,
  objectInstance: string,
) => Promise<boolean>;

/**
 * Object resolvers by object type, registered by the modules that own the objects (the instance
 * module for NEMO_WORKLOAD) when they start; the intent module depends on none of them.
 */
@Injectable()
export class ObjectResolverRegistry {
  private readonly logger = new Logger(ObjectResolverRegistry.name);
  private readonly resolvers = new Map<string, ObjectResolver>();

  /** The last registration for a type wins (tests replace a module's resolver this way). */
  register(objectType: string, resolver: ObjectResolver): void {
    if (this.resolvers.has(objectType))
      this.logger.warn(`Replacing the object resolver of ${objectType}`);
    this.resolvers.set(objectType, resolver);
  }

  get(objectType: string): ObjectResolver | undefined {
    return this.resolvers.get(objectType);
  }
}
