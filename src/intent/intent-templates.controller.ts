import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../auth/auth.decorators';
import { IntentTemplateList } from './dto/intent-template.response';
import { IntentTemplatesService } from './intent-templates.service';

@ApiTags('intents')
@Controller('intent-templates')
export class IntentTemplatesController {
  constructor(private readonly templates: IntentTemplatesService) {}

  @Get()
  @RequirePermission('read')
  @ApiOperation({
    operationId: 'intent_templates_list',
    summary: 'List intent templates',
    description:
      'The intent types the platform understands: for each, the object type, the expectation verb and the targets ' +
      'with their value types, units, bounds, allowed conditions and defaults. `POST /intents/from-template/{user_label}` ' +
      'builds an intent from one.',
  })
  @ApiOkResponse({ type: IntentTemplateList })
  list(): IntentTemplateList {
    return this.templates.list();
  }
}
