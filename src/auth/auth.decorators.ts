import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiProblemResponses } from '../openapi/api-problem-responses.decorator';
import type { Request } from 'express';
import type { AuthConfig } from '../config/slices/auth.config';
import { Permission, Principal } from './principal';

export const PERMISSION_KEY = 'nemo:permission';
export const PUBLIC_KEY = 'nemo:public';
export const PUBLIC_WHEN_KEY = 'nemo:public-when';

/** The route needs no token (probes, documents). Everything else requires one. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/** Decides from the settings whether a route is public (e.g. /metrics and METRICS_PUBLIC). */
export type PublicPredicate = (config: AuthConfig) => boolean;

/**
 * The route needs no token when `predicate(config)` holds; otherwise it is protected like any other
 * route and also needs @RequirePermission.
 */
export const PublicWhen = (predicate: PublicPredicate): MethodDecorator & ClassDecorator =>
  SetMetadata(PUBLIC_WHEN_KEY, predicate);

/**
 * The permission a route needs (`read`, `write` or `report`). Also documents the bearer scheme and
 * the 401/403/429/503 answers in OpenAPI. Put it on every route method.
 */
export function RequirePermission(permission: Permission): MethodDecorator {
  return applyDecorators(
    SetMetadata(PERMISSION_KEY, permission),
    ApiBearerAuth('bearer'),
    // Every token route is rate-limited, and needs the identity provider's keys (503 without them).
    ApiProblemResponses(
      { status: 401, description: 'Missing, invalid or expired bearer token.' },
      { status: 403, description: `The caller's roles do not grant "${permission}".` },
      429,
      503,
    ),
  );
}

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/** The verified caller of the current request (set by the auth guard). */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
    return principal;
  },
);
