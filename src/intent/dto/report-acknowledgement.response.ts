import { ApiProperty } from '@nestjs/swagger';
import { ID_SCHEMA } from '../../common/validation/bounds';

/**
 * The answer to a fulfilment report on another tenant's intent (monitoring reports for every
 * tenant): that the values were recorded, and nothing of the intent the reporter did not send.
 */
export class IntentReportAcknowledgement {
  @ApiProperty({ ...ID_SCHEMA, example: 28 })
  intent_id!: number;

  @ApiProperty({
    example: '2024-07-09T14:17:36.590890Z',
    maxLength: 32,
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$',
    description: 'ISO-8601 UTC with microseconds: when the report was recorded.',
  })
  last_updated_time!: string;
}
