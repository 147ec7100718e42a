import { InstanceStatus } from '../contract';

/** What the meta-Orchestrator may report (`deleting` is only reached through DELETE). */
export const REPORTED_STATUSES = [
  'deploying',
  'deployed',
  'failed',
  'deleted',
] as const satisfies readonly InstanceStatus[];
export type ReportedStatus = (typeof REPORTED_STATUSES)[number];

/**
 * The lifecycle: rendered → deploying → deployed, with failed reachable from any running state
 * and left by a retry; `deleting` (set by DELETE) ends in `deleted`, or in `failed` when the
 * orchestrator cannot remove it (a later DELETE tries again). `deleted` is final. Reporting the
 * current status again is accepted (progress reports, a changed reason or cluster).
 */
const REPORTED_TRANSITIONS: Record<InstanceStatus, readonly ReportedStatus[]> = {
  rendered: ['deploying', 'deployed', 'failed'],
  deploying: ['deploying', 'deployed', 'failed'],
  deployed: ['deploying', 'deployed', 'failed'],
  failed: ['deploying', 'deployed', 'failed'],
  deleting: ['failed', 'deleted'],
  deleted: ['deleted'],
};

export function canReport(from: InstanceStatus, to: ReportedStatus): boolean {
  return REPORTED_TRANSITIONS[from].includes(to);
}

export function allowedReports(from: InstanceStatus): readonly ReportedStatus[] {
  return REPORTED_TRANSITIONS[from];
}

/** DELETE moves a live instance to `deleting`; on one already deleting or deleted it changes nothing. */
export function deletionOutcome(from: InstanceStatus): 'start' | 'already' {
  return from === 'deleting' || from === 'deleted' ? 'already' : 'start';
}

/** Instances that count for release-name uniqueness and block deleting their workload document. */
export function isLive(status: InstanceStatus): boolean {
  return status !== 'deleted';
}
