# Production image for web, worker and beat (docker-compose.yml).
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev
COPY frontend ./frontend
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=rrcase.settings.production
WORKDIR /app
RUN useradd --create-home --uid 10001 rrcase
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
COPY --from=assets /app/assets ./assets
# collectstatic needs settings but no real secrets or database.
RUN SECRET_KEY=build-only-$(head -c 32 /dev/urandom | base64 | tr -dc A-Za-z0-9)-collectstatic-placeholder \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build/build \
    python manage.py collectstatic --no-input
# MEDIA_ROOT (uploads) is a volume in docker-compose; the app user writes it.
RUN mkdir -p /app/var/media && chown -R rrcase:rrcase /app/var
USER rrcase
EXPOSE 8000
CMD ["gunicorn", "rrcase.wsgi:application", "--bind", "0.0.0.0:8000"]
