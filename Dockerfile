FROM node:24-slim
WORKDIR /app
# Node keeps each module's TypeScript-stripped text and compiled code here (filled below), so a process of the
# image starts without loading the type stripper: an idle worker is about 25 MB smaller and starts faster.
# https://nodejs.org/api/module.html#module-compile-cache
ENV NODE_ENV=production NODE_COMPILE_CACHE=/app/.node-compile-cache
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
RUN mkdir .node-compile-cache && chown node .node-compile-cache
USER node
# --help imports every command, so every module is in the cache. The cache is kept per user and per set of V8
# flags: this runs as the image's user with the ENTRYPOINT's flags (keep the two lists equal). Another user or
# other flags only miss the cache (Node then strips types as usual); nothing fails.
RUN node --max-semi-space-size=4 --heap-growing-percent=100 bin/esp-sync.js --help > /dev/null
# A small young generation: V8 otherwise lets it grow to tens of MB per semi-space, which a worker's page and
# batch churn fills; at 4 MB a worker peaks about 110-150 MB lower at the same CPU per record (npm run bench,
# scenario 4). https://nodejs.org/api/cli.html#--max-semi-space-sizesize-in-mib
# The old generation may grow to twice what survived the last full collection (V8 allows up to four times when
# its heap limit is 2 GB or more, and a worker's page churn used all of it): the peak falls from about 300 to
# about 210 MB at 20,000 records. It sets how often V8 collects, not a limit, so a run whose live data grows
# cannot fail for it. The cost is CPU: 17 full collections instead of 6 for 20,000 records, about 10-20% more
# worker CPU per record in back-to-back runs.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=100", "bin/esp-sync.js"]
CMD ["worker"]
