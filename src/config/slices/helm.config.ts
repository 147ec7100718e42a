import { Transform } from 'class-transformer';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { toInt } from '../setting-decorators';

/** The helm binary and the caps of every helm process (infra/helm). */
export class HelmConfig {
  @IsString()
  HELM_BIN = 'helm';

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  HELM_TIMEOUT_MS = 60000;

  @Transform(toInt)
  @IsInt()
  @Min(64 * 1024)
  HELM_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

  /** RLIMIT_DATA of every helm process (0: none); helm itself needs ~50–200 MB for real charts. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  HELM_MEMORY_LIMIT_BYTES = 512 * 1024 * 1024;

  @IsString()
  PRLIMIT_BIN = 'prlimit';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  HELM_MAX_PROCESSES = 4;
}
