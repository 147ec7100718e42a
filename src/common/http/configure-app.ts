import { INestApplication, RequestMethod, ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from '../../config/app-config';
import { validationFailed } from '../errors/validation';
import { corsOptions, corsOrigins } from './cors';
import { jsonBody } from './json-body';
import { securityHeaders } from './security-headers';
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
  app.use(securityHeaders());
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
