import { ConflictError, UnprocessableError } from '../common/errors/domain-error';
import { FieldError } from '../common/errors/problem';

export class IntentInfeasibleError extends ConflictError {
  constructor(id: number) {
    super(
      'intent_infeasible',
      `Intent ${id} did not pass its feasibility check, so it is not fulfilled by anyone: fix it with PATCH first`,
    );
  }
}

export class InvalidReportTargetsError extends UnprocessableError {
  constructor(id: number, errors: FieldError[]) {
    super(
      'intent_report_targets_invalid',
      `Every reported target must be a target of intent ${id}, once`,
      errors,
    );
  }
}

/**
 * A change would give an intent more conflict reports than INTENT_MAX_CONFLICT_REPORTS: refused
 * whole, so no intent ever holds a conflict its other side does not.
 */
export class ConflictReportsFullError extends ConflictError {
  constructor(full: { intent: number | null; holding: number; limit: number }, field: string) {
    const who =
      full.intent === null
        ? `this intent would conflict with ${full.holding} intents`
        : `intent ${full.intent} would hold ${full.holding} conflict reports`;
    const fix =
      full.intent === null
        ? 'change its targets, or deactivate or delete some of the intents it contradicts'
        : `change these targets, or resolve, deactivate or delete intents that contradict intent ${full.intent}`;
    super(
      'conflict_reports_full',
      `${who}, more than the ${full.limit} one intent may hold (INTENT_MAX_CONFLICT_REPORTS): ${fix}`,
      [{ field, reason: `${who} (at most ${full.limit})` }],
    );
  }
}
