import { Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';
import { toBoolean } from '../setting-decorators';

/** What `/readyz` requires. */
export class HealthConfig {
  @Transform(toBoolean)
  @IsBoolean()
  READYZ_REQUIRE_BROKER = true;
}
