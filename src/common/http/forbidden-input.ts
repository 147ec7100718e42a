import { BadRequestError } from '../errors/domain-error';
import { FieldError, MAX_LISTED_ERRORS } from '../errors/problem';

/**
 * Keys that reach Object.prototype or a constructor when a body is merged or assigned somewhere
 * (prototype pollution). class-transformer drops them silently; refusing them tells the client.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** PostgreSQL text cannot hold U+0000, and no field of this API has a use for it. */
const NUL = '\u0000';

/**
 * A lone surrogate (a JSON `\ud800` escape without its pair) is not Unicode text: as a text
 * parameter it would be stored as U+FFFD, inside a jsonb value PostgreSQL refuses it.
 */
const reasonIn = (text: string, what: string): string | null => {
  if (text.includes(NUL)) return `${what} contains a NUL character`;
  if (!text.isWellFormed()) return `${what} contains a lone surrogate (not Unicode text)`;
  return null;
};

/**
 * Every string (key or value) holding a NUL character or a lone surrogate and every prototype key
 * in a parsed body or query, as field errors (at most MAX_LISTED_ERRORS). Recursive: callers pass
 * documents whose depth is already bounded (checkJsonStructure, the query parser).
 */
export function findForbiddenInput(value: unknown, path = ''): FieldError[] {
  const errors: FieldError[] = [];
  visit(value, path, errors);
  return errors;
}

/** Throws a 400 naming each forbidden field, when there is one. */
export function assertNoForbiddenInput(value: unknown, path = ''): void {
  const errors = findForbiddenInput(value, path);
  if (errors.length === 0) return;
  const fields = errors.map((error) => error.field || '(body)').join(', ');
  throw new BadRequestError(
    'forbidden_input',
    `Invalid request: NUL characters, lone surrogates and prototype keys are not accepted (${fields})`,
    errors,
  );
}

function visit(value: unknown, path: string, errors: FieldError[]): void {
  if (errors.length >= MAX_LISTED_ERRORS) return;
  if (typeof value === 'string') {
    const reason = reasonIn(value, label(path));
    if (reason) errors.push({ field: path, reason });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => visit(item, `${path}[${index}]`, errors));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    const field = path ? `${path}.${printable(key)}` : printable(key);
    const keyReason = FORBIDDEN_KEYS.has(key)
      ? `the key ${key} is not accepted`
      : reasonIn(key, 'the key');
    if (keyReason) errors.push({ field, reason: keyReason });
    else visit((value as Record<string, unknown>)[key], field, errors);
  }
}

/** A key as it can be shown in a field path: NUL written as its JSON escape, a lone surrogate as U+FFFD. */
function printable(key: string): string {
  return key.replaceAll(NUL, '\\u0000').toWellFormed();
}

function label(path: string): string {
  return path || 'the body';
}
