# Production image: gunicorn + whitenoise for web; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=finops.settings.production

WORKDIR /app
RUN useradd --system --create-home --uid 10001 fct

# Dependencies first, for the layer cache.
COPY pyproject.toml README.md ./
RUN mkdir -p finops integrations reconciliation && pip install --upgrade pip && pip install .  \
    && pip uninstall -y finance-control-tower

COPY manage.py ./
COPY finops ./finops
COPY integrations ./integrations
COPY reconciliation ./reconciliation
COPY templates ./templates
COPY static ./static
# Editable, so web, worker and beat all import the code under /app (templates and static sit beside it).
RUN pip install --no-deps -e . \
    && SECRET_KEY=collectstatic-only-not-used-at-runtime-0123456789abcdef python manage.py collectstatic --noinput

USER fct
EXPOSE 8000
CMD ["gunicorn", "finops.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
