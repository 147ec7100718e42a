import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { toBoolean, toInt } from '../setting-decorators';

/** Rendering charts into manifests: the render cache, digest pinning, output caps and the render policy (src/instance/rendering). */
export class RenderConfig {
  @Transform(toBoolean)
  @IsBoolean()
  RENDER_CACHE_ENABLED = true;

  /** Rendered images as `<mirror repository>@<digest recorded at onboarding>`, not by tag. */
  @Transform(toBoolean)
  @IsBoolean()
  RENDER_PIN_DIGESTS = true;

  @IsOptional()
  @IsString()
  RENDER_CACHE_DIR?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RENDER_CACHE_MAX_ENTRIES = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(1024 * 1024)
  RENDER_CACHE_MAX_BYTES = 256 * 1024 * 1024;

  /** Rendered manifests (helm's output) of one instance; also the default-values render at onboarding. */
  @Transform(toInt)
  @IsInt()
  @Min(16 * 1024)
  @Max(64 * 1024 * 1024)
  INSTANCE_MANIFEST_MAX_BYTES = 1024 * 1024;

  /** The `run` event of one instance as sent (manifests, ingresses and intents as JSON). */
  @Transform(toInt)
  @IsInt()
  @Min(16 * 1024)
  @Max(128 * 1024 * 1024)
  RUN_EVENT_MAX_BYTES = 2 * 1024 * 1024;

  @IsIn(['baseline', 'restricted'])
  RENDER_POLICY_POD_SECURITY: 'baseline' | 'restricted' = 'baseline';

  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(,[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    message: 'must be comma-separated namespace names such as kube-system,kube-public',
  })
  RENDER_POLICY_SYSTEM_NAMESPACES = 'kube-system,kube-public,kube-node-lease';
}
