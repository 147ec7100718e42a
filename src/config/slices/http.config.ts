import { Transform } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { toInt } from '../setting-decorators';
import { IsTrustProxy } from '../trust-proxy';
import { CORS_ORIGINS_PATTERN } from '../cors-origins';

/** The HTTP server of the api role: where it listens, which proxies it trusts, CORS and body limits. */
export class HttpConfig {
  @IsString()
  HOST = '127.0.0.1';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8000;

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'must look like 1mb, 512kb or 1048576b' })
  HTTP_BODY_LIMIT = '1mb';

  /** Longest time to receive a whole request, body included (node's requestTimeout; 408 after). */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(60 * 60 * 1000)
  HTTP_REQUEST_TIMEOUT_MS = 120_000;

  /** Whose X-Forwarded-For names the client (logs, rate limits): nobody's by default. */
  @IsTrustProxy()
  HTTP_TRUST_PROXY = '';

  /** Browser origins allowed to call the API (CORS), comma-separated, or `*`; empty: none. */
  @Matches(CORS_ORIGINS_PATTERN, {
    message: 'must be empty, * or comma-separated origins such as https://app.example.eu',
  })
  CORS_ALLOWED_ORIGINS = '';

  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(256)
  HTTP_JSON_MAX_DEPTH = 32;

  @Transform(toInt)
  @IsInt()
  @Min(16)
  @Max(1_000_000)
  HTTP_JSON_MAX_ELEMENTS = 2000;
}
