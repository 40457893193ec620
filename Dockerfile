# syntax=docker/dockerfile:1
# pulsara-fhir-bridge: one image for `serve` (default), `simulator`, `sandbox`, `demo`
# and the operator commands (`events list`, `mapping validate` ...).
#
#   docker build -t pulsara-fhir-bridge .
#   docker run --rm -p 8080:8080 -v bridge-data:/data --env-file bridge.env pulsara-fhir-bridge
#   docker run --rm pulsara-fhir-bridge mapping validate mappings/default.json

ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only. better-sqlite3 is a native module: it is compiled here,
# where the build tools are, and copied into the runtime image without them.
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` (a TypeScript build) needs the sources;
# the native module is built explicitly instead.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && npm cache clean --force

# The TypeScript build, with dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    STORE_URL=sqlite:/data/bridge.sqlite \
    MAPPING_FILE=/app/mappings/default.json
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY mappings ./mappings
COPY docker/seed.js ./docker/seed.js
# The SQLite ledger lives on a volume owned by the unprivileged user.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# /healthz answers while the process runs (readiness, with the EHR and store, is /readyz).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
