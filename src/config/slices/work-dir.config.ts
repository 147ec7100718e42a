import { IsString } from 'class-validator';

/** Scratch space of both roles: unpacked charts, the chart download cache, the render cache, helm and skopeo state. */
export class WorkDirConfig {
  @IsString()
  WORK_DIR = '/tmp/nemo-intent-api';
}
