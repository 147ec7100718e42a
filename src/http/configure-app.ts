import { INestApplication, RequestMethod, ValidationPipe } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { HttpConfig } from '../config/slices/http.config';
import { validationFailed } from '../common/errors/validation';
import { RequireBodyTypeGuard } from '../common/http/body-type';
import { answerClientErrorsWithProblems } from '../common/http/client-error';
import { corsOptions, corsOrigins } from '../common/http/cors';
import { jsonBody } from '../common/http/json-body';
import { securityHeaders } from '../common/http/security-headers';
import { parseTrustProxy } from '../config/trust-proxy';
import { rejectForbiddenUrlInput } from '../common/http/url-input';

/** Paths outside /api/v1: probes, metrics and the API documents. */
const UNVERSIONED = ['healthz', 'readyz', 'metrics', 'api/asyncapi.json'];

/** The HTTP conventions every route follows; used by main.ts and by the e2e tests alike. */
export function configureHttp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  const config = app.get(HttpConfig);
  express.set('trust proxy', parseTrustProxy(config.HTTP_TRUST_PROXY));
  express.disable('x-powered-by');
  // ETags name instance revisions (If-Match); Express's own would hash every answer's body for
  // entity tags no route honours.
  express.disable('etag');
  const origins = corsOrigins(config.CORS_ALLOWED_ORIGINS);
  if (origins.length > 0) app.enableCors(corsOptions(origins));
  const server: Server = express.getHttpServer();
  // A slow client holds what its request holds (an upload's reserved bytes, a socket) this long
  // at most.
  server.requestTimeout = config.HTTP_REQUEST_TIMEOUT_MS;
  server.headersTimeout = Math.min(server.headersTimeout, config.HTTP_REQUEST_TIMEOUT_MS);
  answerClientErrorsWithProblems(server);
  app.use(rejectForbiddenUrlInput);
  app.use(
    jsonBody({
      limit: config.HTTP_BODY_LIMIT,
      maxDepth: config.HTTP_JSON_MAX_DEPTH,
      maxElements: config.HTTP_JSON_MAX_ELEMENTS,
    }),
  );
  app.use(securityHeaders());
  app.setGlobalPrefix('api/v1', {
    exclude: UNVERSIONED.map((path) => ({ path, method: RequestMethod.ALL })),
  });
  app.useGlobalGuards(new RequireBodyTypeGuard(app.get(Reflector)));
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
