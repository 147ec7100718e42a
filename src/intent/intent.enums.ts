export {
  CONDITIONS,
  EXPECTATION_VERBS,
  FEASIBILITY_CHECK_TYPES,
  FULFILMENT_STATUSES,
  NOT_FULFILLED_STATES,
  INTENT_ADMIN_STATES,
  CONFLICT_TYPES,
} from '../events/payloads';

export const PREEMPTION_CAPABILITIES = ['TRUE', 'FALSE'] as const;
export type PreemptionCapability = (typeof PREEMPTION_CAPABILITIES)[number];

/** Value types a target can have in the template catalog. */
export const VALUE_TYPES = ['number', 'string'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];
