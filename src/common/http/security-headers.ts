import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** helmet's options for the API and its Swagger UI. */
const HELMET_OPTIONS: Parameters<typeof helmet>[0] = {
  contentSecurityPolicy: {
    directives: {
      'img-src': ["'self'", 'data:', 'validator.swagger.io'],
      'script-src': ["'self'"],
      // The API is often reached over plain HTTP inside a cluster or a LAN; upgrading Swagger
      // UI's asset requests to HTTPS there breaks the page. TLS belongs to the ingress.
      'upgrade-insecure-requests': null,
    },
  },
};

/** The headers helmet sets for these options, asked once through its public middleware. */
export function helmetHeaders(): ReadonlyArray<[string, string]> {
  const headers: Array<[string, string]> = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers.push([name, String(value)]);
      return recorder;
    },
    removeHeader: () => undefined,
  };
  let failure: unknown;
  helmet(HELMET_OPTIONS)(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      failure = error;
    },
  );
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return headers;
}

/**
 * helmet's security headers on every answer. They depend on nothing in the request, so they are
 * computed once at start-up instead of by a dozen small middlewares on every request.
 */
export function securityHeaders(): RequestHandler {
  const headers = helmetHeaders();
  return (_request: Request, response: Response, next: NextFunction) => {
    for (const [name, value] of headers) response.setHeader(name, value);
    next();
  };
}
