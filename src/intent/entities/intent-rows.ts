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

/** Every stored row of one intent (lists in their stored order). */
export interface IntentRows {
  intent: Intent;
  expectations: IntentExpectation[];
  objects: ExpectationObject[];
  targets: ExpectationTarget[];
  contexts: IntentContext[];
  report: IntentReport;
  fulfilmentReport: IntentFulfilmentReport;
  feasibility: IntentFeasibilityCheckReport | null;
  expectationResults: ExpectationFulfilmentResult[];
  targetResults: TargetFulfilmentResult[];
  conflicts: IntentConflictReport[];
}
