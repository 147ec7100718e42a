import { Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { LogConfig } from '../config/slices/log.config';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Accepts a caller's X-Request-Id when it is sane, otherwise makes one; echoes it back. */
export function requestId(request: IncomingMessage, response: ServerResponse): string {
  const given = request.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

/** Structured JSON logs, one line per request: its id, method, URL, status, time and client. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [LogConfig],
      useFactory: (config: LogConfig) => ({
        pinoHttp: {
          level: config.LOG_LEVEL,
          transport:
            config.LOG_FORMAT === 'pretty'
              ? {
                  target: 'pino-pretty',
                  options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
                }
              : undefined,
          genReqId: requestId,
          autoLogging: {
            ignore: (request) => ['/healthz', '/readyz', '/metrics'].includes(request.url ?? ''),
          },
          // A request line names the request, not its headers: nothing secret to redact, and
          // serializing every header of every request was a measurable share of each request's CPU.
          wrapSerializers: false,
          serializers: {
            req: (request: IncomingMessage & { id?: unknown }) => ({
              id: request.id,
              method: request.method,
              url: request.url,
            }),
            res: (response: ServerResponse) => ({ status_code: response.statusCode }),
          },
          // The client as the rate limiter sees it: Express's req.ip under HTTP_TRUST_PROXY.
          customProps: (request) => ({
            service: 'nemo-intent-api',
            client_ip: (request as IncomingMessage & { ip?: string }).ip,
          }),
        },
      }),
    }),
  ],
})
export class AppLoggerModule {}
