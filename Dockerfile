# syntax=docker/dockerfile:1
# taskgate: one image for every role (ROLE=all|api|worker).

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# `npm install` rather than `npm ci`: see the README (npm 11 lock files and optional packages).
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    ROLE=all \
    DATABASE_URL=sqlite:/data/gateway.sqlite \
    STORAGE_DIR=/data/uploads
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node console ./console
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Every role answers /health/live on PORT (a worker serves only /health/live and /metrics).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "require('http').get('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
# A heap limit makes V8 size its collections to it: under load the process stays near 170 MiB
# instead of letting 200 MB of garbage pile up first (docs/benchmarks.md). The live set is ~60 MB.
CMD ["node", "--max-old-space-size=512", "dist/main.js"]
