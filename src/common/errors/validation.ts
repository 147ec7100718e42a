import { ValidationError } from 'class-validator';
import { BadRequestError } from './domain-error';
import { clip, FieldError, MAX_LISTED_ERRORS } from './problem';

/** Flattens class-validator's tree into `{field: "a.b[0].c", reason}` pairs. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = joinPath(parent, error.property);
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ field, reason }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

export function validationFailed(errors: ValidationError[]): BadRequestError {
  const fieldErrors = toFieldErrors(errors);
  const named = [...new Set(fieldErrors.map((e) => e.field))];
  const fields = named.slice(0, MAX_LISTED_ERRORS).map(clip).join(', ');
  const more =
    named.length > MAX_LISTED_ERRORS ? ` and ${named.length - MAX_LISTED_ERRORS} more` : '';
  return new BadRequestError(
    'validation_failed',
    `Invalid request: check ${fields}${more}`,
    fieldErrors,
  );
}
