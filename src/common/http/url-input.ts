import type { NextFunction, Request, Response } from 'express';
import { BadRequestError } from '../errors/domain-error';
import { assertNoForbiddenInput } from './forbidden-input';

/** A percent-encoded NUL; the HTTP parser already refuses a raw one in the request line. */
const ENCODED_NUL = /%00/i;

/**
 * The URL's share of the input rules, before any route runs: no NUL character in the path (route
 * parameters such as a template name) nor in a query parameter's name or value, no prototype key.
 */
export function rejectForbiddenUrlInput(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const [path] = (request.originalUrl ?? request.url).split('?', 1);
  if (ENCODED_NUL.test(path)) {
    return next(
      new BadRequestError('forbidden_input', 'Invalid request: the path contains a NUL character', [
        { field: 'path', reason: 'the path contains a NUL character (%00)' },
      ]),
    );
  }
  try {
    assertNoForbiddenInput(request.query);
    next();
  } catch (error) {
    next(error);
  }
}
