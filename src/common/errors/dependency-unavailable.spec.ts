import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { unavailableDependency } from './dependency-unavailable';

describe('unavailableDependency', () => {
  it.each([
    [
      { code: '57P01', message: 'terminating connection due to administrator command' },
      'postgresql',
    ],
    [{ code: '57P03', message: 'the database system is shutting down' }, 'postgresql'],
    [{ code: '08006' }, 'postgresql'],
    [{ code: '57014', message: 'canceling statement due to statement timeout' }, 'postgresql'],
    [new Error('Connection terminated unexpectedly'), 'postgresql'],
    [new Error('timeout exceeded when trying to connect'), 'postgresql'],
    [new QueryRunnerAlreadyReleasedError(), 'postgresql'],
    [new QueryRunnerProviderAlreadyReleasedError(), 'postgresql'],
    [
      { message: 'wrapped', driverError: new Error('Connection terminated unexpectedly') },
      'postgresql',
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      'a backing service',
    ],
  ])('%p is %s being unavailable', (error, dependency) => {
    expect(unavailableDependency(error)).toBe(dependency);
  });

  it.each([
    [{ code: '23505', message: 'duplicate key value violates unique constraint' }],
    [new Error('something else broke')],
    ['a string'],
    [null],
  ])('%p is not an outage (stays a 4xx/500)', (error) => {
    expect(unavailableDependency(error)).toBeUndefined();
  });
});
