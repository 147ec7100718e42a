/**
 * Two projects run in one jest process (one worker pool): fast unit specs beside the code, and the
 * integration/e2e suites against the real services started by scripts/services.sh. Each worker gets
 * its own database, vhost, Redis db and bucket (test/support/worker-env.ts), so files run in parallel.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

/**
 * Files named *.serial.* run alone after the rest: they stop or restart shared services, or they
 * bound wall-clock event-loop delay, which a second jest worker on 2 cores would distort.
 */
const phase = process.env.JEST_PHASE;
const phaseIgnore =
  phase === 'parallel' ? ['\\.serial\\.'] : phase === 'serial' ? ['^((?!\\.serial\\.).)*$'] : [];

const common = {
  testPathIgnorePatterns: ['/node_modules/', ...phaseIgnore],
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testEnvironment: 'node',
};

module.exports = {
  maxWorkers: 2,
  testTimeout: 60000,
  reporters: ['default'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: [
        '<rootDir>/test/integration/**/*.int-spec.ts',
        '<rootDir>/test/e2e/**/*.e2e-spec.ts',
      ],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFiles: ['<rootDir>/test/support/worker-env.ts'],
      slowTestThreshold: 30,
    },
  ],
};
