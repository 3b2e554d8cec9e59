FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The locked, hash-checked dependencies first (a layer that changes only with the lock).
COPY requirements requirements
RUN pip install --no-cache-dir --require-hashes -r requirements/build.txt -r requirements/base.txt
COPY pyproject.toml README.md ./
COPY tracker tracker
COPY claims claims
RUN pip install --no-cache-dir --no-deps --no-build-isolation .
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "tracker.wsgi"]
