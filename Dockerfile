# agent-runs' container image.
#
#   docker build -t agent-runs .            (or podman build --format docker: OCI images drop HEALTHCHECK)
#   docker run -p 8080:8080 agent-runs [FLAGS]
#
# Three stages: `build` type-checks src/ and gen/ with tsc, bundles them with
# esbuild and builds the playground with Vite (every dependency), `deps`
# installs the production dependencies alone (`npm ci --omit=dev`: LangChain
# for graph files, the MongoDB driver the bundle leaves out), and the final
# image holds those plus dist/ and runs as a non-root user. Settings come
# from flags after the image name or from their environment variables
# (README's configuration table).
#
# NODE_IMAGE is the base of every stage: the official Node 24 image by
# default; any image with node 24 and npm on PATH works (test/container/base.sh
# builds one from Debian packages and the npm registry where no image registry
# is reachable).
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --update-notifier=false --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/bundle.mjs scripts/freshness.mjs scripts/
COPY gen gen
COPY src src
RUN node scripts/build.mjs dist

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --update-notifier=false --loglevel=error && npm cache clean --force

FROM ${NODE_IMAGE}
WORKDIR /app
# HOST: every interface, as a container is reached from outside it.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
COPY package.json ./
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY scripts/healthcheck.mjs scripts/
# Node's compile cache, written at build time by a --help start (it loads every
# module a start loads, with the same V8 flags), so that a new container skips
# compiling the bundle on its first start too (0.05-0.1 s). Node uses a cache
# directory only if it may write to it: this one is the service user's (under
# a read-only root filesystem Node turns the cache off and starts as without).
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
RUN mkdir .node-compile-cache && chown 10001:10001 .node-compile-cache
# A numeric non-root user (no account needed; Kubernetes' runAsNonRoot can verify it). Files stay root's, read-only to the service (all but the compile cache above).
USER 10001:10001
RUN node --max-semi-space-size=64 dist/src/main.js --help > /dev/null
EXPOSE 8080
# grpc.health.v1 Check over Connect (HTTP/1.1): SERVING while the store answers.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
# node is PID 1 and handles SIGTERM itself (src/main.ts): runs get --drain-ms to finish, then it exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=64", "dist/src/main.js"]
