/** Value types a target can have in the template catalog. */
export const VALUE_TYPES = ['number', 'string'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];
