import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AuthConfig } from '../config/slices/auth.config';
import { DevIdentity } from './dev-identity';

export const DEV_IDENTITY = Symbol('DEV_IDENTITY');

/** In AUTH_MODE=dev: issues the newcomer's token at start-up and writes it to AUTH_DEV_TOKEN_FILE (mode 600). */
@Injectable()
export class DevTokenService implements OnModuleInit {
  private readonly logger = new Logger(DevTokenService.name);
  private token?: string;

  constructor(
    @Inject(DEV_IDENTITY) private readonly identity: DevIdentity | null,
    private readonly config: AuthConfig,
  ) {}

  /** The dev token, or undefined outside dev mode. */
  get devToken(): string | undefined {
    return this.token;
  }

  get tokenFile(): string {
    return resolve(this.config.AUTH_DEV_TOKEN_FILE);
  }

  async onModuleInit(): Promise<void> {
    if (!this.identity) return;
    this.token = await this.identity.issueDevToken();
    await mkdir(dirname(this.tokenFile), { recursive: true, mode: 0o700 });
    await writeFile(this.tokenFile, `${this.token}\n`, { mode: 0o600 });
    await chmod(this.tokenFile, 0o600);
    this.logger.warn(
      `AUTH_MODE=dev: tokens are signed by a throwaway key; dev token written to ${this.tokenFile}`,
    );
  }
}
