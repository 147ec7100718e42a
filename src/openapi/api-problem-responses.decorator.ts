import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { PROBLEM_DESCRIPTIONS, problemContent } from './problem.schema';

/** An error status, optionally with a route-specific description (e.g. which conflict). */
export type ProblemResponse = number | { status: number; description: string };

/**
 * Documents error answers as `application/problem+json` with the shared ProblemDetails schema:
 * `@ApiProblemResponses(404, { status: 409, description: 'A workload with this name and version exists.' })`.
 * The one way to document error answers: the document's post-pass (finalize-document.ts) refuses
 * an error response without content. `@RequirePermission` declares 401/403/429/503, and the
 * post-pass adds the errors a route's shape implies (400, 404, 413, 415, 500) where missing, so
 * list here what is specific to the route.
 */
export function ApiProblemResponses(
  ...responses: ProblemResponse[]
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...responses.map((response) => {
      const { status, description } =
        typeof response === 'number' ? { status: response, description: undefined } : response;
      return ApiResponse({
        status,
        description: description ?? PROBLEM_DESCRIPTIONS[status] ?? 'Error.',
        content: problemContent(),
      });
    }),
  );
}
