import { INSTANCE_STATUSES, InstanceStatus } from '../contract';
import {
  allowedReports,
  canReport,
  deletionOutcome,
  isLive,
  REPORTED_STATUSES,
} from './instance-status';

const ALLOWED: Array<[InstanceStatus, string]> = [
  ['rendered', 'deploying'],
  ['rendered', 'deployed'],
  ['rendered', 'failed'],
  ['deploying', 'deploying'],
  ['deploying', 'deployed'],
  ['deploying', 'failed'],
  ['deployed', 'deploying'],
  ['deployed', 'deployed'],
  ['deployed', 'failed'],
  ['failed', 'deploying'],
  ['failed', 'deployed'],
  ['failed', 'failed'],
  ['deleting', 'failed'],
  ['deleting', 'deleted'],
  ['deleted', 'deleted'],
];

describe('instance status transitions', () => {
  const table = INSTANCE_STATUSES.flatMap((from) =>
    REPORTED_STATUSES.map((to) => [from, to] as const),
  );

  it.each(table)('%s → %s is allowed exactly when the lifecycle says so', (from, to) => {
    const expected = ALLOWED.some(
      ([allowedFrom, allowedTo]) => allowedFrom === from && allowedTo === to,
    );
    expect(canReport(from, to)).toBe(expected);
  });

  it('never lets a report resurrect a deleted instance or deploy one being deleted', () => {
    expect(allowedReports('deleted')).toEqual(['deleted']);
    expect(canReport('deleting', 'deploying')).toBe(false);
    expect(canReport('deleting', 'deployed')).toBe(false);
  });

  it('only reaches deleted through deleting', () => {
    for (const from of INSTANCE_STATUSES.filter(
      (status) => status !== 'deleting' && status !== 'deleted',
    )) {
      expect(canReport(from, 'deleted')).toBe(false);
    }
  });

  it.each(['rendered', 'deploying', 'deployed', 'failed'] as InstanceStatus[])(
    'DELETE starts deleting a %s instance',
    (from) => {
      expect(deletionOutcome(from)).toBe('start');
    },
  );

  it.each(['deleting', 'deleted'] as InstanceStatus[])(
    'DELETE of a %s instance changes nothing',
    (from) => {
      expect(deletionOutcome(from)).toBe('already');
    },
  );

  it('counts every status but deleted as live', () => {
    expect(INSTANCE_STATUSES.filter(isLive)).toEqual([
      'rendered',
      'deploying',
      'deployed',
      'failed',
      'deleting',
    ]);
  });
});
