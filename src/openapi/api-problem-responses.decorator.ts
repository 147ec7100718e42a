import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { PROBLEM_DESCRIPTIONS, problemContent } from './problem.schema';

/** An error status, optionally with a route-specific description (e.g. which conflict). */
export type ProblemResponse = number | { status: number; description: string };

/**
 * Documents error answers as `application/problem+json` with the shared ProblemDetails schema:
 * `@ApiProblemResponses(404, { status: 409, description: 'A workload with this name and version exists.' })`.
 * The document's post-processing (finalize-document.ts) also adds 400/401/403/404/429/500 where a
 * route lacks them, so list here what is specific to the route.
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
