import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { APP_VERSION } from '../common/app-version';
import { asyncApiDocument } from '../contract';

@ApiExcludeController()
@Public()
@Controller({ path: 'api/asyncapi.json' })
export class AsyncApiController {
  private readonly document = asyncApiDocument(APP_VERSION);

  @Get()
  @Header('Cache-Control', 'public, max-age=300')
  get(): Record<string, unknown> {
    return this.document;
  }
}
