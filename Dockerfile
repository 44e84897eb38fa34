# syntax=docker/dockerfile:1
# sharplm in a container: `docker build -t sharplm .`, then `docker run -p 8080:8080 -v $PWD/model:/models/model:ro sharplm`
# serves /models/model (see docs/scale-out.md). Any other verb runs with `docker run sharplm <verb> ...`.

# Build: the .NET SDK publishes the CLI. npm fetches the sqlite-vec extension the retrieval project links.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish src/SharpLM.Cli/SharpLM.Cli.csproj -c Release -o /app

# Runtime: ASP.NET Core (the server) without the SDK; libgomp for libtorch's CPU kernels, curl for the health check.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
# Settings of `sharplm serve` by environment variable; options and a mounted appsettings.json (--config) override them.
ENV SHARPLM_MODEL=/models/model \
    SHARPLM_HOST=0.0.0.0 \
    SHARPLM_PORT=8080
EXPOSE 8080
# The image's unprivileged user (uid 1654), never root.
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["/app/sharplm"]
# Listening on 0.0.0.0 needs API keys (mount a key file and set SHARPLM_API_KEY_FILE) or an explicit --allow-open.
CMD ["serve"]
