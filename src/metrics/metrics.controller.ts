import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { PublicWhen, RequirePermission } from '../auth/auth.decorators';
import { MetricsService } from './metrics.service';

/** Public by default; with METRICS_PUBLIC=false a scraper needs a token with the service (or admin) role. */
@ApiExcludeController()
@PublicWhen((config) => config.METRICS_PUBLIC)
@Controller({ path: 'metrics' })
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @RequirePermission('report')
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() response: Response): Promise<void> {
    response.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
