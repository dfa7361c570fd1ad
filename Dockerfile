# The service image used by docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY gen ./gen
COPY src ./src
COPY bin ./bin
ENV NODE_ENV=production PORT=8080 METRICS_PORT=9464
EXPOSE 8080 9464
USER node
CMD ["node", "--import", "tsx", "src/main.ts"]
