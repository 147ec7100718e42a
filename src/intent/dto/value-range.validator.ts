import { registerDecorator, ValidationOptions } from 'class-validator';

export const MAX_VALUE_STRING_LENGTH = 256;
export const MAX_VALUE_LIST_LENGTH = 64;

const isScalar = (value: unknown): value is number | string =>
  (typeof value === 'number' && Number.isFinite(value)) ||
  (typeof value === 'string' && value.length <= MAX_VALUE_STRING_LENGTH);

/** A TS 28.312 value range: a number, a string, or a list of them (ranges, ONE_OF). */
export function isValueRange(value: unknown): boolean {
  if (Array.isArray(value)) return value.length <= MAX_VALUE_LIST_LENGTH && value.every(isScalar);
  return isScalar(value);
}

/** An observed value: a number, a string, or null (nothing observed). */
export function isAchievedValue(value: unknown): boolean {
  return value === null || isScalar(value);
}

const scalarSchema = {
  oneOf: [{ type: 'number' }, { type: 'string', maxLength: MAX_VALUE_STRING_LENGTH }],
};

/** OpenAPI schema of a value range (number | string | list of them). */
export const VALUE_RANGE_SCHEMA = {
  oneOf: [
    ...scalarSchema.oneOf,
    { type: 'array', maxItems: MAX_VALUE_LIST_LENGTH, items: scalarSchema },
  ],
};

export const ACHIEVED_VALUE_SCHEMA = { oneOf: scalarSchema.oneOf, nullable: true };

function rule(name: string, test: (value: unknown) => boolean, message: string) {
  return (options?: ValidationOptions): PropertyDecorator =>
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name,
        target: target.constructor,
        propertyName: propertyName.toString(),
        options: { message: `$property ${message}`, ...options },
        validator: { validate: test },
      });
}

export const IsValueRange = rule(
  'isValueRange',
  isValueRange,
  `must be a number, a string (at most ${MAX_VALUE_STRING_LENGTH} characters) or a list of at most ${MAX_VALUE_LIST_LENGTH} of them`,
);

export const IsAchievedValue = rule(
  'isAchievedValue',
  isAchievedValue,
  `must be a number, a string (at most ${MAX_VALUE_STRING_LENGTH} characters) or null`,
);
