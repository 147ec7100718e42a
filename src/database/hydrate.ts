import { EntityManager, EntityMetadata, ObjectLiteral } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/** The columns to read from a result row, each with its key in the row. */
export type KeyedColumns = ReadonlyArray<readonly [string, ColumnMetadata]>;

/**
 * One entity from one result row of a join-less query, built as TypeORM's own transformer builds
 * it (the entity's class, the column's setter and the driver's conversion of each value), without
 * its per-call grouping and alias bookkeeping. A column the row does not hold stays unset.
 */
export function hydrate<T extends ObjectLiteral>(
  manager: EntityManager,
  metadata: EntityMetadata,
  columns: KeyedColumns,
  row: Record<string, unknown>,
): T {
  const driver = manager.connection.driver;
  const entity = metadata.create(manager.queryRunner, { fromDeserializer: true }) as T;
  for (const [key, column] of columns) {
    const value = row[key];
    if (value !== undefined)
      column.setEntityValue(entity, driver.prepareHydratedValue(value, column));
  }
  return entity;
}
