# Production image: gunicorn + whitenoise for web; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=finops.settings.production

WORKDIR /app
RUN useradd --system --create-home --uid 10001 fct

COPY pyproject.toml README.md ./
COPY finops ./finops
COPY integrations ./integrations
COPY reconciliation ./reconciliation
RUN pip install --upgrade pip && pip install .

COPY manage.py ./
COPY templates ./templates
COPY static ./static
# collectstatic needs settings but no secrets or database: a throwaway key for this step only.
RUN SECRET_KEY=collectstatic-only-not-used-at-runtime-0123456789abcdef python manage.py collectstatic --noinput

USER fct
EXPOSE 8000
CMD ["gunicorn", "finops.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
