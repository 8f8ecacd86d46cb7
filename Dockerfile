# syntax=docker/dockerfile:1
#
# rds-broker image: compiled JavaScript on Node.js 24 (the active LTS), production dependencies only, running as an
# unprivileged user on a distroless base (no shell, no package manager).
#
#   docker build -t rds-broker:0.1.0 .
#   docker run --rm -p 8080:8080 -v "$PWD/my-config.yaml:/etc/rds-broker/config/config.yaml:ro" rds-broker:0.1.0
#
# Pin the base images by digest in your own build pipeline for reproducible images.

ARG NODE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# Compile TypeScript to dist/. Install scripts are not needed to compile.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, without optional ones and without install scripts: those concern
# the embedded PostgreSQL binaries (about 60 MB), which `local` mode and the emulator use, never
# `serve`. This image serves; it cannot run `rds-broker local` or `rds-broker emulator`.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production \
    RDS_BROKER_USE_BUILD=1
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# Numeric, so that Kubernetes can verify runAsNonRoot.
USER 65532:65532
EXPOSE 8080
# Node flags for memory (bench/README.md, "Memory while it works"): V8 otherwise lets the heap grow
# to several times what is live under a steady poll load (about 200 MiB resident for 35 MiB live);
# these keep it near 110 MiB, for about 2.5 times the CPU per poll (drop them where CPU is scarcer
# than memory). On the command line because NODE_OPTIONS refuses --optimize-for-size.
ENTRYPOINT ["/nodejs/bin/node", "--optimize-for-size", "--max-semi-space-size=4", "/app/bin/rds-broker.js", "serve"]
CMD ["--config", "/etc/rds-broker/config/config.yaml"]
