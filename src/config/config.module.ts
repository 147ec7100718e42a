import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig, validateConfig } from './app-config';

/**
 * Exposes the validated settings as one typed `AppConfig` provider, so services inject the class
 * instead of reading strings through ConfigService. Validation runs when the application is created
 * (not when this file is imported), so a bad setting stops start-up with one message naming it.
 */
@Global()
@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true })],
  providers: [{ provide: AppConfig, useFactory: (): AppConfig => validateConfig(process.env) }],
  exports: [AppConfig],
})
export class AppConfigModule {}
