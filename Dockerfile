# One image for every role of the booking engine: node src/main.ts <all|api|worker|gateway|migrate>
# (docker-compose.yml runs api, worker, gateway and migrate from it).
# NOT BUILT HERE: no Docker engine runs where this file was written; treat it as untested.
#
# Only the directories the engine needs are copied (there is no .dockerignore), so a local
# node_modules, .env or .data never ends up in the image.

# ---- build: install everything, build the web client into dist/web
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY web ./web
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npx vite build --config web/vite.config.ts

# ---- runtime: production dependencies, the TypeScript sources (Node 24 strips the types), the built web client
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY migrations ./migrations
COPY --from=build /app/dist/web ./dist/web
USER node
# the worker bundles the workflows at start; the API serves dist/web (WEB_DIST)
CMD ["node", "src/main.ts", "all"]
