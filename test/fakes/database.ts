import { DataSource, EntityManager, FindOperator, QueryFailedError } from 'typeorm';

type Row = Record<string, unknown>;
type EntityClass = new () => object;
type Where = Record<string, unknown>;

/** A unique index the memory tables enforce like PostgreSQL does: a 23505 naming `constraint`. */
export interface MemoryUniqueIndex {
  entity: EntityClass;
  constraint: string;
  columns: string[];
  /** Only rows it holds for take part (a partial index). */
  where?: (row: Row) => boolean;
}

function matches(row: Row, where: Where): boolean {
  return Object.entries(where).every(([key, expected]) => {
    if (expected instanceof FindOperator) {
      if (expected.type === 'not') return row[key] !== expected.value;
      throw new Error(`MemoryDatabase: find operator ${expected.type} is not supported`);
    }
    return row[key] === expected;
  });
}

function clone<T extends object>(row: T): T {
  return Object.assign(
    Object.create(Object.getPrototypeOf(row) as object) as T,
    structuredClone({ ...row }),
  );
}

/**
 * Tables in memory behind the slice of TypeORM's DataSource and EntityManager that services use
 * (`transaction`, `manager`, create/save/find/exists/update). A transaction is all or nothing: when
 * its callback throws, every table (and every row another fake wrote through the manager, such as
 * outbox events) is as it was before. Transactions run one at a time, as row locks would order
 * them. Reads answer copies, so only `save`/`update` change what is stored.
 */
const settled = (): void => undefined;

export class MemoryDatabase {
  private readonly tables = new Map<EntityClass, Row[]>();
  private readonly ids = new Map<EntityClass, number>();
  private readonly uniques: MemoryUniqueIndex[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private active: MemoryManager | null = null;
  /** How many transactions committed and rolled back. */
  readonly outcomes = { committed: 0, rolledBack: 0 };

  /** Declares a unique index (e.g. the partial one on live release names). */
  unique(index: MemoryUniqueIndex): void {
    this.uniques.push(index);
  }

  rows<T extends object>(entity: new () => T): T[] {
    return (this.tables.get(entity) ?? []).map((row) => clone(row) as T);
  }

  /** The DataSource the service under test gets. */
  dataSource(): DataSource {
    const fake = {
      transaction: <T>(work: (manager: EntityManager) => Promise<T>) => this.transaction(work),
      manager: this.manager(false),
      query: () => Promise.reject(new Error('MemoryDatabase: raw SQL is not supported')),
    };
    return fake as unknown as DataSource;
  }

  manager(transactional: boolean): EntityManager {
    return new MemoryManager(this, transactional) as unknown as EntityManager;
  }

  /** Inside a transaction: is `manager` the one of the transaction running now? */
  isActive(manager: EntityManager): boolean {
    return this.active !== null && (manager as unknown) === this.active;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const snapshot = new Map([...this.tables].map(([entity, rows]) => [entity, rows.map(clone)]));
      const ids = new Map(this.ids);
      const manager = new MemoryManager(this, true);
      this.active = manager;
      try {
        const result = await work(manager as unknown as EntityManager);
        this.outcomes.committed += 1;
        return result;
      } catch (error) {
        this.tables.clear();
        for (const [entity, rows] of snapshot) this.tables.set(entity, rows);
        this.ids.clear();
        for (const [entity, id] of ids) this.ids.set(entity, id);
        this.outcomes.rolledBack += 1;
        throw error;
      } finally {
        this.active = null;
      }
    });
    // The caller gets the failure through `run`; the queue only waits for it to settle.
    this.queue = run.then(settled, settled);
    return run;
  }

  find(entity: EntityClass, where: Where): Row[] {
    return (this.tables.get(entity) ?? []).filter((row) => matches(row, where)).map(clone);
  }

  save(entity: EntityClass, value: Row): Row {
    const table = this.tables.get(entity) ?? [];
    this.tables.set(entity, table);
    if (value.id === undefined) {
      const id = (this.ids.get(entity) ?? 0) + 1;
      this.ids.set(entity, id);
      value.id = id;
    }
    const now = new Date();
    value.createdAt ??= now;
    value.updatedAt = now;
    const others = table.filter((row) => row.id !== value.id);
    this.checkUnique(entity, value, others);
    const stored = clone(value);
    const index = table.findIndex((row) => row.id === value.id);
    if (index >= 0) table[index] = stored;
    else table.push(stored);
    return value;
  }

  update(entity: EntityClass, where: Where, change: Row): number {
    const rows = (this.tables.get(entity) ?? []).filter((row) => matches(row, where));
    for (const row of rows) Object.assign(row, change);
    return rows.length;
  }

  delete(entity: EntityClass, where: Where): number {
    const table = this.tables.get(entity) ?? [];
    const kept = table.filter((row) => !matches(row, where));
    this.tables.set(entity, kept);
    return table.length - kept.length;
  }

  private checkUnique(entity: EntityClass, value: Row, others: Row[]): void {
    for (const index of this.uniques.filter((u) => u.entity === entity)) {
      if (index.where && !index.where(value)) continue;
      const clash = others.some(
        (row) =>
          (!index.where || index.where(row)) &&
          index.columns.every((column) => row[column] === value[column]),
      );
      if (clash) {
        const driverError = Object.assign(new Error('duplicate key value'), {
          code: '23505',
          constraint: index.constraint,
        });
        throw new QueryFailedError('INSERT', [], driverError);
      }
    }
  }
}

/** The EntityManager slice over a MemoryDatabase; `queryRunner` says whether it is transactional. */
class MemoryManager {
  readonly queryRunner: { isTransactionActive: boolean };

  constructor(
    private readonly db: MemoryDatabase,
    transactional: boolean,
  ) {
    this.queryRunner = { isTransactionActive: transactional };
  }

  create<T extends object>(entity: new () => T, values: Partial<T>): T {
    return Object.assign(new entity(), values);
  }

  async save<T extends object>(value: T): Promise<T> {
    return this.db.save(value.constructor as EntityClass, value as Row) as T;
  }

  async findOne<T extends object>(
    entity: new () => T,
    options: { where: Where },
  ): Promise<T | null> {
    return (this.db.find(entity, options.where)[0] as T | undefined) ?? null;
  }

  findOneBy<T extends object>(entity: new () => T, where: Where): Promise<T | null> {
    return this.findOne(entity, { where });
  }

  async exists(entity: EntityClass, options: { where: Where }): Promise<boolean> {
    return this.db.find(entity, options.where).length > 0;
  }

  async update(entity: EntityClass, where: Where, change: Row): Promise<{ affected: number }> {
    return { affected: this.db.update(entity, where, change) };
  }

  async delete(entity: EntityClass, where: Where): Promise<{ affected: number }> {
    return { affected: this.db.delete(entity, where) };
  }
}

/** A Repository slice over the same tables (`exists`), for services that inject one. */
export function memoryRepository<T>(db: MemoryDatabase, entity: EntityClass): T {
  const fake = {
    exists: (options: { where: Where }) =>
      Promise.resolve(db.find(entity, options.where).length > 0),
  };
  return fake as unknown as T;
}
