import { INestApplication, RequestMethod, ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { AppConfig } from '../../config/app-config';
import { validationFailed } from '../errors/validation';
import { corsOptions, corsOrigins } from './cors';
import { jsonBody } from './json-body';
import { parseTrustProxy } from './trust-proxy';

/** Paths outside /api/v1: probes, metrics and the API documents. */
const UNVERSIONED = ['healthz', 'readyz', 'metrics', 'api/asyncapi.json'];

/** The HTTP conventions every route follows; used by main.ts and by the e2e tests alike. */
export function configureHttp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  const config = app.get(AppConfig);
  express.set('trust proxy', parseTrustProxy(config.HTTP_TRUST_PROXY));
  express.disable('x-powered-by');
  const origins = corsOrigins(config.CORS_ALLOWED_ORIGINS);
  if (origins.length > 0) app.enableCors(corsOptions(origins));
  app.use(jsonBody(config.HTTP_BODY_LIMIT));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'img-src': ["'self'", 'data:', 'validator.swagger.io'],
          'script-src': ["'self'"],
          // The API is often reached over plain HTTP inside a cluster or a LAN; upgrading Swagger
          // UI's asset requests to HTTPS there breaks the page. TLS belongs to the ingress.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.setGlobalPrefix('api/v1', {
    exclude: UNVERSIONED.map((path) => ({ path, method: RequestMethod.ALL })),
  });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      exceptionFactory: validationFailed,
    }),
  );
}
