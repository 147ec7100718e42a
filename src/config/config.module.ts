import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig, validateConfig } from './app-config';

/**
 * Exposes the validated settings as one typed `AppConfig` provider, so services inject the class
 * instead of reading strings through ConfigService.
 */
@Global()
@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true, cache: true, validate: validateConfig })],
  providers: [
    {
      provide: AppConfig,
      useFactory: (): AppConfig => validateConfig(process.env),
    },
  ],
  exports: [AppConfig],
})
export class AppConfigModule {}
