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

export function problemType(code: string): string {
  return `https://nemo.eu/problems/${code.replace(/_/g, '-')}`;
}
