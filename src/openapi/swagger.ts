import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { APP_VERSION } from '../common/app-version';
import { finalizeOpenApiDocument } from './finalize-document';

/** The OpenAPI 3 document of every route of `app`, completed and ordered by finalizeOpenApiDocument. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('NEMO Intent API')
    .setDescription(
      'Northbound REST API of the NEMO meta-OS: register Helm-chart workloads and onboard them, render ' +
        'workload instances, expose them through the NEMO ingress and manage TS 28.312 intents. ' +
        'Errors are RFC 9457 application/problem+json. Lifecycle events: see /api/asyncapi.json.',
    )
    .setVersion(APP_VERSION)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    // Relative: the document describes whichever deployment serves it.
    .addServer(
      '/',
      'This deployment (local, staging or production: whichever serves this document)',
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'An access token of the configured OIDC issuer (roles reader, writer, service, admin), ' +
          'verified as RFC8725 (JWT best current practices) asks: asymmetric algorithms only (never ' +
          '`none` or a shared secret), issuer and expiry always checked, audience when OIDC_AUDIENCE is set. ' +
          'Locally, with AUTH_MODE=dev, paste the dev token printed at start-up (also in .local/dev-token).',
      },
      'bearer',
    )
    .build();
  // OWASP API9: the audience of the server — tenants' clients, not an internal-only network.
  config.servers = config.servers?.map((server) => ({ ...server, 'x-internal': false }));
  const document = SwaggerModule.createDocument(app, config, {
    // Only a fallback: every route sets its own `resource_action` operationId (the tests check).
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey}_${methodKey}`,
  });
  return finalizeOpenApiDocument(document);
}

/** Swagger UI at /api/docs and the document at /api/docs-json. */
export function setupSwagger(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
    customSiteTitle: 'NEMO Intent API',
  });
  return document;
}
