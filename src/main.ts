import 'reflect-metadata';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoLogger } from 'nestjs-pino';
import { ApiModule, WorkerModule } from './app.module';
import { DevTokenService } from './auth/dev-token.service';
import { configureHttp } from './http/configure-app';
import { HttpConfig } from './config/slices/http.config';
import { ProcessConfig } from './config/slices/process.config';
import { setupSwagger } from './openapi/swagger';

type Role = 'api' | 'worker';

function roleFromArgs(): Role {
  const role = process.argv[2] ?? process.env.NEMO_ROLE ?? 'api';
  if (role === 'api' || role === 'worker') return role;
  throw new Error(`Unknown role "${role}": start with "api" or "worker" (argument or NEMO_ROLE)`);
}

async function startApi(): Promise<INestApplicationContext> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(PinoLogger));
  configureHttp(app);
  setupSwagger(app);
  const config = app.get(HttpConfig);
  await app.listen(config.PORT, config.HOST);
  const base = `http://${config.HOST}:${config.PORT}`;
  new Logger('Bootstrap').log(`API listening on ${base}/api/v1 — Swagger UI ${base}/api/docs`);
  logDevToken(app.get(DevTokenService), base);
  return app;
}

/** AUTH_MODE=dev: the newcomer's ready token, with where it is stored and how to use it. */
function logDevToken(devTokens: DevTokenService, base: string): void {
  const token = devTokens.devToken;
  if (!token) return;
  new Logger('Bootstrap').warn(
    `AUTH_MODE=dev — dev token (also in ${devTokens.tokenFile}; paste it into Swagger UI "Authorize"):\n${token}\n` +
      `  curl -H "Authorization: Bearer $(cat ${devTokens.tokenFile})" ${base}/api/v1/workloads`,
  );
}

async function startWorker(): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  new Logger('Bootstrap').log('Worker started');
  return app;
}

/**
 * SIGTERM/SIGINT drain the process: stop taking requests, let BullMQ finish active jobs and the relay
 * its batch, close connections, exit 0. A drain longer than SHUTDOWN_TIMEOUT_MS exits 1.
 */
function drainOnSignals(app: INestApplicationContext): void {
  const logger = new Logger('Shutdown');
  const timeout = app.get(ProcessConfig).SHUTDOWN_TIMEOUT_MS;
  let draining = false;
  const drain = (signal: NodeJS.Signals): void => {
    if (draining) return;
    draining = true;
    logger.log(`${signal} received: draining`);
    setTimeout(() => process.exit(1), timeout).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', drain);
  process.on('SIGINT', drain);
}

async function main(): Promise<void> {
  const role = roleFromArgs();
  const app = role === 'api' ? await startApi() : await startWorker();
  drainOnSignals(app);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
