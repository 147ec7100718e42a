/**
 * One server of bench/adapters.ts, by its first argument: `express` or `fastify` (a Nest app on
 * that HTTP adapter) or `raw` (node:http). Each answers the same two routes with the same JSON:
 * GET /items/:id (an id checked as an integer, a workload-sized object back) and POST /items (a
 * JSON body parsed and answered 201), behind a guard that requires an Authorization header. No
 * database: what differs is the framework and its adapter alone. Listens on PORT.
 */
import 'reflect-metadata';
import {
  Body,
  CanActivate,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Module,
  Param,
  ParseIntPipe,
  Post,
  UnauthorizedException,
  type ExecutionContext,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { createServer, type IncomingMessage } from 'node:http';

const PORT = Number(process.env.PORT);

/** About the size and shape of a workload document's answer. */
function item(id: number): Record<string, unknown> {
  return {
    id,
    name: 'echo-server',
    version: '0.5.5',
    type: 'chart',
    status: 'accepted',
    rejection_reason: null,
    onboarding_step: null,
    images_done: 2,
    images_total: 2,
    package_digest: 'sha256:4b6f1e0c8e0f2a0d9a7c5e3b1f2d4c6a8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f',
    package_size: 48213,
    chart_url: 'https://charts.nemo.example/echo-server-0.5.5.tgz',
    provenance_signer: null,
    created_at: '2026-12-03T10:00:00.000Z',
    updated_at: '2026-12-03T10:00:01.000Z',
  };
}

@Injectable()
class HeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const headers = context.switchToHttp().getRequest<IncomingMessage>().headers;
    if (!headers.authorization) throw new UnauthorizedException();
    return true;
  }
}

@Controller()
class ItemController {
  @Get('healthz')
  health(): { status: string } {
    return { status: 'ok' };
  }

  @Get('items/:id')
  read(@Param('id', ParseIntPipe) id: number): Record<string, unknown> {
    return item(id);
  }

  @Post('items')
  @HttpCode(201)
  create(@Body() body: { label?: string }): Record<string, unknown> {
    return { ...item(1), name: body.label ?? 'unnamed' };
  }
}

@Module({
  controllers: [ItemController],
  providers: [{ provide: APP_GUARD, useClass: HeaderGuard }],
})
class ItemModule {}

async function nest(adapter: 'express' | 'fastify'): Promise<void> {
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(ItemModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(ItemModule, { logger: false });
  await app.listen(PORT, '127.0.0.1');
}

function raw(): void {
  createServer((request, response) => {
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    };
    const url = request.url ?? '/';
    if (url === '/healthz') return send(200, { status: 'ok' });
    if (!request.headers.authorization) return send(401, { message: 'Unauthorized' });
    const match = /^\/items\/(\d+)$/.exec(url);
    if (request.method === 'GET' && match) return send(200, item(Number(match[1])));
    if (request.method !== 'POST' || url !== '/items') return send(404, { message: 'Not Found' });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { label?: string };
      send(201, { ...item(1), name: body.label ?? 'unnamed' });
    });
  }).listen(PORT, '127.0.0.1');
}

const mode = process.argv[2];
if (mode === 'raw') raw();
else if (mode === 'express' || mode === 'fastify') void nest(mode);
else throw new Error(`usage: adapter-server.js express|fastify|raw, not ${mode}`);
