import { FieldError } from './problem';

/**
 * An error a client can act on. Services throw these with a stable `code`; the problem-details
 * filter turns them into RFC 9457 responses, so no controller needs a try/catch.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(resource: string, id: string | number) {
    super(
      404,
      `${resource}_not_found`,
      'Not Found',
      `${resource.replace(/_/g, ' ')} ${id} does not exist`,
    );
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, detail: string, errors?: FieldError[]) {
    super(409, code, 'Conflict', detail, errors);
  }
}

export class UnprocessableError extends DomainError {
  constructor(code: string, detail: string, errors?: FieldError[]) {
    super(422, code, 'Unprocessable Content', detail, errors);
  }
}

export class BadRequestError extends DomainError {
  constructor(code: string, detail: string, errors?: FieldError[]) {
    super(400, code, 'Bad Request', detail, errors);
  }
}
