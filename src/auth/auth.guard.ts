import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { DomainError } from '../common/errors/domain-error';
import { AuthConfig } from '../config/slices/auth.config';
import { ForbiddenError, UnauthorizedError } from './auth.errors';
import {
  AuthenticatedRequest,
  PERMISSION_KEY,
  PUBLIC_KEY,
  PUBLIC_WHEN_KEY,
  PublicPredicate,
} from './auth.decorators';
import { ClientRateLimiter } from './client-rate-limiter';
import { hasPermission, Permission, Principal } from './principal';
import { PrincipalMapper } from './principal-mapper';
import { TokenVerifier } from './token-verifier';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The one global guard, in a fixed order: public routes pass untouched (and unthrottled);
 * otherwise authenticate the bearer token, count the request against the client's rate limit (by
 * subject, or by IP when the token failed), then refuse the authentication failure or check the
 * route's permission. A route that declares neither @Public nor @RequirePermission is refused.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AuthConfig,
    private readonly verifier: TokenVerifier,
    private readonly mapper: PrincipalMapper,
    private readonly rateLimiter: ClientRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.isPublic(context)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const failure = await this.authenticate(request);
    await this.rateLimiter.count(request, response);
    if (failure) throw this.withChallenge(failure, response);
    this.authorize(context, request.principal as Principal);
    return true;
  }

  private isPublic(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const predicate = this.reflector.getAllAndOverride<PublicPredicate | undefined>(
      PUBLIC_WHEN_KEY,
      targets,
    );
    return predicate !== undefined && predicate(this.config);
  }

  /** Sets request.principal, or returns why the caller is not authenticated (refused after throttling). */
  private async authenticate(request: AuthenticatedRequest): Promise<DomainError | undefined> {
    const header = request.headers.authorization;
    if (!header)
      return new UnauthorizedError(
        'missing_token',
        'This route needs an Authorization: Bearer <token> header',
      );
    const token = BEARER.exec(header)?.[1];
    if (!token)
      return new UnauthorizedError(
        'invalid_token',
        'The Authorization header is not "Bearer <token>"',
      );
    try {
      request.principal = this.mapper.toPrincipal(await this.verifier.verify(token));
      return undefined;
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
  }

  private withChallenge(failure: DomainError, response: Response): DomainError {
    if (failure instanceof UnauthorizedError)
      response.setHeader('WWW-Authenticate', failure.wwwAuthenticate);
    return failure;
  }

  private authorize(context: ExecutionContext, principal: Principal): void {
    const permission = this.reflector.get<Permission | undefined>(
      PERMISSION_KEY,
      context.getHandler(),
    );
    if (!permission) {
      const route = `${context.getClass().name}.${context.getHandler().name}`;
      this.logger.error(
        `${route} declares neither @Public() nor @RequirePermission(): refused (fail closed)`,
      );
      throw new ForbiddenError('route_not_authorized', 'This route grants no permission to anyone');
    }
    if (!hasPermission(principal, permission)) {
      const roles = [...principal.roles].join(', ') || 'none';
      throw new ForbiddenError(
        'insufficient_permission',
        `This route needs the "${permission}" permission; your roles: ${roles}`,
      );
    }
  }
}
