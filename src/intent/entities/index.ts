import { ExpectationFulfilmentResult } from './expectation-fulfilment-result.entity';
import { ExpectationObject } from './expectation-object.entity';
import { ExpectationTarget } from './expectation-target.entity';
import { IntentConflictReport } from './intent-conflict-report.entity';
import { IntentContext } from './intent-context.entity';
import { IntentExpectation } from './intent-expectation.entity';
import { IntentFeasibilityCheckReport } from './intent-feasibility-check-report.entity';
import { IntentFulfilmentReport } from './intent-fulfilment-report.entity';
import { IntentReport } from './intent-report.entity';
import { IntentReportEntry } from './intent-report-entry.entity';
import { Intent } from './intent.entity';
import { TargetFulfilmentResult } from './target-fulfilment-result.entity';

export {
  ExpectationFulfilmentResult,
  ExpectationObject,
  ExpectationTarget,
  Intent,
  IntentConflictReport,
  IntentContext,
  IntentExpectation,
  IntentFeasibilityCheckReport,
  IntentFulfilmentReport,
  IntentReport,
  IntentReportEntry,
  TargetFulfilmentResult,
};

export const INTENT_ENTITIES = [
  Intent,
  IntentExpectation,
  ExpectationObject,
  ExpectationTarget,
  IntentContext,
  IntentReport,
  IntentFulfilmentReport,
  IntentFeasibilityCheckReport,
  ExpectationFulfilmentResult,
  TargetFulfilmentResult,
  IntentReportEntry,
  IntentConflictReport,
];
