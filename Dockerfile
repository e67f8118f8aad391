# The read-only support server, and the fleet worker from the same image.
# HTTPS is terminated in front of the server (an ALB or API Gateway).
# Build: docker build -t cdt-server .   Run: docker run -p 8787:8787 --env-file cdt.env cdt-server
# Worker: docker run --env-file cdt.env cdt-server deno task worker --concurrency 1   (CDT_STATE_DATABASE_URL set)
FROM node:20-bookworm-slim
RUN npm install -g deno && useradd --create-home cdt
WORKDIR /app
COPY --chown=cdt:cdt . .
USER cdt
# Fetch the npm packages at build time, so the container starts without the registry.
RUN deno install --entrypoint server/main.ts server/jobs/child.ts server/jobs/child-watch.ts tools/worker.ts lib/fleet/child.ts \
  lib/sources/oneroster-csv/enrollments-worker.ts
ENV CDT_AUDIT_LOG=/app/logs/audit.jsonl CDT_APP_LOG=/app/logs/app.log
EXPOSE 8787
CMD ["deno", "task", "serve", "--host", "0.0.0.0", "--port", "8787"]
