"""Production settings: `check --deploy` is clean and the static files build with their manifest."""

import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "DEBUG": "0",
    "SECRET_KEY": "a-production-like-secret-key-with-enough-entropy-8f3k2j5h7g9d1s4a6q8w0e2r",
    "ALLOWED_HOSTS": "kyodo.example.jp",
    "LANG": "C.UTF-8",
}


def _manage(*args, env=None, tmp_path=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**PRODUCTION_ENV, **(env or {})},
        check=False,
    )


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    database = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    migrate = _manage("migrate", "--noinput", env={"DATABASE_URL": database})
    assert migrate.returncode == 0, migrate.stderr
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env={"DATABASE_URL": database})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_stops_production_start():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_collectstatic_builds_the_compressed_manifest(tmp_path):
    """WhiteNoise's manifest storage fails on a stylesheet that references a missing file."""
    result = _manage("collectstatic", "--noinput", env={"STATIC_ROOT": str(tmp_path)})
    assert result.returncode == 0, result.stderr
