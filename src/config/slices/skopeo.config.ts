import { Transform } from 'class-transformer';
import { IsInt, IsString, Min } from 'class-validator';
import { toInt } from '../setting-decorators';

/** The skopeo binary and its time cap (infra/skopeo). */
export class SkopeoConfig {
  @IsString()
  SKOPEO_BIN = 'skopeo';

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  SKOPEO_TIMEOUT_MS = 5 * 60 * 1000;
}
