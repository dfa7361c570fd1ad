# The service image (docker-compose.yml builds it): compiled in one stage, run from a slim one with
# production dependencies only. test/dockerfile.test.ts checks this file against the repository and the
# build, since CI has no Docker engine.
#
# Node 20 reached end of life on 30 April 2026: no more security fixes. It stays for now because it is
# what CI tests on (and the pinned versions are chosen for it). Moving to the maintained LTS is this one
# line, or `--build-arg NODE_IMAGE=node:22-bookworm-slim`, once CI runs Node 22.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json main.ts ./
COPY gen ./gen
# The OpenAPI document, served at /openapi.json and /docs (compiled into dist/ with the code).
COPY openapi ./openapi
COPY src ./src
COPY web ./web
# The service to dist/, then the browser app (console and payer page) to web/dist with Vite.
RUN npm run build && npm run build:web

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production PORT=8080 METRICS_PORT=9464
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# The code stays root-owned (read-only to the service). DATA_DIR (.data) is the one place the service
# writes: the mail outbox without SMTP_URL, the embedded database without DATABASE_URL.
RUN mkdir .data && chown node:node .data
# bin/ddctl.js runs dist/ here (no tsx): `docker compose exec dd node bin/ddctl.js --help`.
COPY bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
# Vocalink's modulus tables (MODULUS_TABLES_DIR): data, read at start.
COPY data ./data
USER node
# /metrics (9464) binds 127.0.0.1 unless METRICS_HOST says otherwise: it has no authentication.
EXPOSE 8080 9464
# Slim images have no curl: Node's fetch. Assumes HOST covers 127.0.0.1 (the default 0.0.0.0 does).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', { signal: AbortSignal.timeout(4000) }).then(async (r) => process.exit(r.ok && (await r.json()).status === 'SERVING' ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
