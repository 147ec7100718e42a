#!/usr/bin/env node
// Local S3 endpoint for development and tests (started by scripts/services.sh).
//
// Runs s3rver programmatically so the buckets we need exist from the first request
// (configureBuckets is idempotent: it keeps existing objects). Start node with
// --openssl-legacy-provider (services.sh sets NODE_OPTIONS): without it s3rver answers 500 to
// paged ListObjectsV2 (ERR_OSSL_EVP_UNSUPPORTED).
//
// Settings come from the environment:
//   S3RVER_ADDRESS    listen address          (default 127.0.0.1)
//   S3RVER_PORT       listen port             (default 54566)
//   S3RVER_DIRECTORY  data folder             (default <project>/.local/s3)
//   S3RVER_BUCKETS    comma-separated buckets (default nemo)
'use strict';

const path = require('node:path');
const S3rver = require('s3rver');

const address = process.env.S3RVER_ADDRESS || '127.0.0.1';
const port = Number(process.env.S3RVER_PORT || 54566);
const directory = process.env.S3RVER_DIRECTORY || path.join(__dirname, '..', '.local', 's3');
const buckets = (process.env.S3RVER_BUCKETS || 'nemo')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);

const server = new S3rver({
  address,
  port,
  directory,
  silent: false,
  // Path-style only (http://host:port/<bucket>/<key>): what the app and helm repo URLs use.
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name })),
});

server.run().then(
  (addr) => {
    console.log(
      `s3rver listening on http://${addr.address}:${addr.port} (data: ${directory}, buckets: ${buckets.join(', ')})`,
    );
  },
  (err) => {
    console.error('s3rver failed to start:', err);
    process.exit(1);
  },
);

// Close the listener on the usual signals so `services.sh stop` ends it cleanly.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
