/** One invalid input: the JSON path of the field (snake_case, as on the wire) and why it was refused. */
export interface FieldError {
  field: string;
  reason: string;
}

/** RFC 9457 problem details, the body of every error response. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  request_id?: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An answer lists at most this many field errors: a hostile body must not make a huge answer. */
export const MAX_LISTED_ERRORS = 20;

export function problemType(code: string): string {
  return `https://nemo.eu/problems/${code.replace(/_/g, '-')}`;
}

const MAX_FIELD_TEXT = 200;

/** Field names come from the client (unknown keys): an answer never echoes more than a line of one. */
export function clip(text: string): string {
  return text.length <= MAX_FIELD_TEXT ? text : `${text.slice(0, MAX_FIELD_TEXT)}…`;
}
