# syntax=docker/dockerfile:1
# Vigil container: the fast lane (dist/server.mjs) running from Next's standalone output.
# Needs DATABASE_URL (PostgreSQL), AUTH_SECRET and AUTH_URL; see the README's configuration.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not npm ci: the lockfile is made on linux-x64 and lacks other platforms'
# optional packages.
RUN npm install --no-audit --no-fund
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
RUN npm run build

FROM node:20-bookworm-slim AS run
WORKDIR /app
ENV NODE_ENV=production \
    HOSTNAME=0.0.0.0 \
    PORT=3000 \
    NEXT_TELEMETRY_DISABLED=1
RUN groupadd --system --gid 10001 vigil && useradd --system --uid 10001 --gid vigil vigil
COPY --from=build --chown=vigil:vigil /app/.next/standalone ./
COPY --from=build --chown=vigil:vigil /app/.next/static ./.next/static
COPY --from=build --chown=vigil:vigil /app/public ./public
COPY --from=build --chown=vigil:vigil /app/dist ./dist
COPY --from=build --chown=vigil:vigil /app/drizzle/migrations ./drizzle/migrations
USER vigil
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM closes the HTTP server and the database cleanly.
CMD ["node", "dist/server.mjs"]
