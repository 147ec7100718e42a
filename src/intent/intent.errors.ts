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
