import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_in(env):
    """Import the settings in a fresh interpreter with exactly `env`; return stdout/err."""
    code = (
        "from django.conf import settings;"
        "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.DATABASES['default']['ENGINE'])"
    )
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    return subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, cwd=ROOT, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = settings_in({})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_debug_is_off_and_no_host_allowed_by_default():
    result = settings_in({"SECRET_KEY": "k"})
    assert result.stdout.split() == ["False", "[]", "django.db.backends.sqlite3"]


def test_database_url_selects_postgresql_and_hosts_come_from_the_environment():
    result = settings_in(
        {
            "SECRET_KEY": "k",
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/x",
            "ALLOWED_HOSTS": "claims.example.org, www.example.org",
        }
    )
    assert result.stdout.strip() == (
        "False ['claims.example.org', 'www.example.org'] django.db.backends.postgresql"
    )


def test_debug_on_runs_locally_without_a_secret_key():
    result = settings_in({"DEBUG": "1"})
    assert result.stdout.split()[0] == "True"
