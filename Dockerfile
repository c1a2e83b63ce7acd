# Production image: gunicorn serving Django with whitenoise; the same image runs the Celery worker and beat.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 app
WORKDIR /app

# Dependencies first, in their own layer: a change to the code does not reinstall them. The runtime
# requirements are read from pyproject.toml and pinned by the lock (constraints.txt); dev tools stay out.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -c constraints.txt -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# Then the project itself: every app in settings.PROJECT_APPS (tests/schoolpl/test_dockerfile.py checks).
COPY README.md manage.py ./
COPY schoolpl ./schoolpl
COPY pupils ./pupils
COPY assessment ./assessment
COPY targets ./targets
COPY interventions ./interventions
COPY partnership ./partnership
COPY selfreview ./selfreview
RUN pip install --no-deps .
COPY templates ./templates
COPY static ./static
# collectstatic needs settings but no secrets or database.
RUN SCHOOLPL_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput
# Private uploads awaiting confirmation (PRIVATE_UPLOAD_ROOT); docker-compose.yml mounts a volume shared by web and worker.
RUN mkdir -p var/uploads && chown -R app:app var
USER app
EXPOSE 8000
CMD ["gunicorn", "schoolpl.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
