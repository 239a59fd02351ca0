FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
USER node
# A small young generation: V8 otherwise lets it grow to tens of MB per semi-space, which a worker's page and
# batch churn fills; at 4 MB a worker peaks about 110-150 MB lower at the same CPU per record (npm run bench,
# scenario 4). https://nodejs.org/api/cli.html#--max-semi-space-sizesize-in-mib
ENTRYPOINT ["node", "--max-semi-space-size=4", "bin/esp-sync.js"]
CMD ["worker"]
