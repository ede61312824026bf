# Two images from one file: `--target api` (the default, last stage) and `--target issuer` (development only).
# docker compose builds both. No `# syntax=` line, heredocs, digests or ARG-named base images, so that it builds
# on any Docker host (and with ../shared/container/prepare's local base images). Keep the tag = packageManager.

# 1. Keep only what the two apps need (turbo prune reads the text lockfile bun.lock).
FROM oven/bun:1.4.5 AS prune
# No telemetry notice (or telemetry) in the build output.
ENV TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
WORKDIR /repo
COPY . .
RUN bunx turbo@2.11.11 prune api issuer --docker --out-dir /pruned

# 2. Install from the manifests alone (cached until a package.json or bun.lock changes), then the sources.
FROM oven/bun:1.4.5 AS build
WORKDIR /repo
COPY --from=prune /pruned/json/ ./
RUN bun install --frozen-lockfile
COPY --from=prune /pruned/full/ ./
# The configuration tests check what .env.example sets (nothing, until edited); turbo prune leaves it out.
COPY .env.example ./
# The package and API tests guard the build: a broken image is not produced. They need no network, Docker or
# running issuer (local-issuer.test.ts starts apps/issuer from these sources on loopback). Their output is
# shown only when they fail; the end-to-end layer (e2e/) is not in the pruned tree.
RUN if bun test packages apps/api >/tmp/gate.log 2>&1; then tail -n 1 /tmp/gate.log; else cat /tmp/gate.log; exit 1; fi

# Each image compiles only its own binary (--compile without --minify: minification breaks Elysia, see pitfalls;
# both add --bytecode, which cut the API's time to ready from about 95 to 40 ms and the issuer's from about 140 to 100).
FROM build AS api-build
RUN cd apps/api && bun run build

FROM build AS issuer-build
RUN cd apps/issuer && bun run build
# A writable home for the issuer's generated signing key, owned by the distroless `nonroot` user.
RUN mkdir -p /issuer-data && chown 65532:65532 /issuer-data

# 3. The development issuer: an OpenID Provider for local use only.
FROM gcr.io/distroless/base-debian12:nonroot AS issuer
COPY --from=issuer-build /repo/apps/issuer/dist/issuer /app/issuer
COPY --from=issuer-build --chown=65532:65532 /issuer-data /data
ENV ISSUER_PORT=9000 ISSUER_SIGNING_KEY_FILE=/data/signing-key.json
USER nonroot
EXPOSE 9000
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 CMD ["/app/issuer", "--healthcheck"]
ENTRYPOINT ["/app/issuer"]

# 4. The API: one self-contained binary on distroless (glibc, CA certificates), non-root, no shell.
FROM gcr.io/distroless/base-debian12:nonroot AS api
COPY --from=api-build /repo/apps/api/dist/api /app/api
ENV PORT=8000 HOST=0.0.0.0 NODE_ENV=production
USER nonroot
EXPOSE 8000
# Healthy = ready: /readyz answers 200 once the issuer's keys are held, so a misconfigured or unreachable issuer
# shows as unhealthy rather than a healthy container answering 503. The start period covers a slow first fetch.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 CMD ["/app/api", "--healthcheck"]
ENTRYPOINT ["/app/api"]
