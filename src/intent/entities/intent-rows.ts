import type { ExpectationFulfilmentResult } from './expectation-fulfilment-result.entity';
import type { ExpectationObject } from './expectation-object.entity';
import type { ExpectationTarget } from './expectation-target.entity';
import type { IntentConflictReport } from './intent-conflict-report.entity';
import type { IntentContext } from './intent-context.entity';
import type { IntentExpectation } from './intent-expectation.entity';
import type { IntentFeasibilityCheckReport } from './intent-feasibility-check-report.entity';
import type { IntentFulfilmentReport } from './intent-fulfilment-report.entity';
import type { IntentReport } from './intent-report.entity';
import type { Intent } from './intent.entity';
import type { TargetFulfilmentResult } from './target-fulfilment-result.entity';

/** The rows that define one intent (what was asked), without its reports. */
export interface IntentDefinitionRows {
  intent: Intent;
  expectations: IntentExpectation[];
  objects: ExpectationObject[];
  targets: ExpectationTarget[];
  contexts: IntentContext[];
}

/** Every stored row of one intent (lists in their stored order). */
export interface IntentRows extends IntentDefinitionRows {
  report: IntentReport;
  fulfilmentReport: IntentFulfilmentReport;
  feasibility: IntentFeasibilityCheckReport | null;
  expectationResults: ExpectationFulfilmentResult[];
  targetResults: TargetFulfilmentResult[];
  conflicts: IntentConflictReport[];
}
