import { PartialType } from '@nestjs/swagger';
import { CreateIntentDto } from './create-intent.dto';

/**
 * Any subset of the intent's fields. `intent_expectations` replaces every expectation (with its
 * object, targets, contexts and fulfilment results); `intent_contexts` replaces the intent-level
 * contexts. The feasibility check runs again on the result.
 */
export class UpdateIntentDto extends PartialType(CreateIntentDto) {}
