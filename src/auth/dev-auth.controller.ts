import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { JSONWebKeySet } from 'jose';
import { DomainError } from '../common/errors/domain-error';
import { Public } from './auth.decorators';
import { DevIdentity, OpenIdConfiguration } from './dev-identity';
import { DEV_IDENTITY } from './dev-token.service';

/** AUTH_MODE=dev only: the throwaway key's JWKS and a discovery document, so other tools can verify dev tokens. */
@ApiExcludeController()
@Public()
@Controller('dev')
export class DevAuthController {
  constructor(@Inject(DEV_IDENTITY) private readonly identity: DevIdentity | null) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'no-store')
  jwks(): JSONWebKeySet {
    return this.devIdentity().jwks;
  }

  @Get('.well-known/openid-configuration')
  @Header('Cache-Control', 'no-store')
  openIdConfiguration(): OpenIdConfiguration {
    return this.devIdentity().openIdConfiguration();
  }

  private devIdentity(): DevIdentity {
    if (!this.identity)
      throw new DomainError(
        404,
        'route_not_found',
        'Not Found',
        'Dev mode is off (AUTH_MODE=oidc)',
      );
    return this.identity;
  }
}
