# syntax=docker/dockerfile:1
# Vigil container: the fast lane (dist/server.mjs) running from Next's standalone output.
# Needs DATABASE_URL (PostgreSQL), AUTH_SECRET and AUTH_URL; see the README's "Container".
#
# Runs as an unprivileged user that owns nothing but /data (the embedded database, when
# DATABASE_URL is unset and VIGIL_ALLOW_EMBEDDED_DB=true): the application files belong to
# root and are read-only to it, so the image also runs with a read-only root filesystem
# (docker run --read-only --tmpfs /tmp -v vigil-data:/data). e2e/faults/image-layout.test.ts
# starts this exact layout the same way (uid 10001, everything but /data and /tmp read-only).

ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
# npm ci: exactly the lockfile, which holds every platform's native packages (amd64 and
# arm64 images alike; deploy/lockfile.test.ts keeps it whole).
RUN npm ci --no-audit --no-fund
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
RUN npm run build

FROM ${NODE_IMAGE} AS run
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="Vigil" \
      org.opencontainers.image.description="Identity, gateway validator, autoheal and one tamper-evident audit log for AI agents" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/vigil/vigil" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.base.name="docker.io/library/node:22-bookworm-slim"
WORKDIR /app
ENV NODE_ENV=production \
    HOSTNAME=0.0.0.0 \
    PORT=3000 \
    VIGIL_DATA_DIR=/data \
    HOME=/tmp \
    NEXT_TELEMETRY_DISABLED=1
RUN groupadd --system --gid 10001 vigil \
 && useradd --system --uid 10001 --gid vigil --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vigil \
 && mkdir -p /data && chown vigil:vigil /data && chmod 0700 /data
# Owned by root: the process cannot change its own code. Next's standalone output already
# leaves sharp out (images.unoptimized, next.config.ts).
COPY --from=build /app/.next/standalone ./
COPY --from=build /app/.next/static ./.next/static
COPY --from=build /app/public ./public
COPY --from=build /app/dist ./dist
COPY --from=build /app/drizzle/migrations ./drizzle/migrations
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000
# Readiness, not liveness: healthy once the database answers, migrations ran and a signing
# key is loaded (Node's fetch: the slim image has no curl).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM closes the HTTP server and the database cleanly (node is PID 1 and handles it).
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.mjs"]
