# The production image: Granian for the web (helpdesk/serve.py), the same image for the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/srv/helpdesk/var STATIC_ROOT=/srv/helpdesk/static READ_DOT_ENV_FILE=0
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt && useradd --create-home --uid 1000 helpdesk \
    && mkdir -p /srv/helpdesk/var /srv/helpdesk/static && chown -R helpdesk /srv/helpdesk
COPY . .
RUN python scripts/compile_translations.py \
    && SECRET_KEY=build-only-collectstatic-0123456789-abcdefghijklmnopqrstuvwxyz DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --noinput

USER helpdesk
EXPOSE 8000
CMD ["python", "-m", "helpdesk.serve"]
