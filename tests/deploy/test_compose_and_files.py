"""docker-compose.yml runs the production shape; what it references exists."""

import importlib
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_has_the_production_services():
    services = _compose()["services"]

    assert set(services) >= {"postgres", "redis", "web", "worker", "beat"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("web", "worker", "beat"):
        assert services[name]["build"] == "." or services[name]["build"]["context"] == "."
        assert services[name]["env_file"], f"{name} takes its configuration from an env file"


def _command(service: dict) -> str:
    cmd = service["command"]
    return " ".join(cmd) if isinstance(cmd, list) else cmd


def test_compose_commands_reference_modules_that_exist():
    services = _compose()["services"]
    web = _command(services["web"])

    module, attr = re.search(r"gunicorn (\S+):(\w+)", web).groups()
    source = (REPO / (module.replace(".", "/") + ".py")).read_text()
    assert re.search(rf"^{attr} = ", source, re.M), f"{module} defines {attr}"
    assert "manage.py migrate" in web, "migrations are applied on start"
    for name in ("worker", "beat"):
        assert f"celery -A finops {name}" in _command(services[name])
    assert importlib.import_module("finops.celery").app.main == "finops"


def test_compose_env_file_example_names_every_required_variable():
    example = (REPO / ".env.example").read_text()
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "FCT_CREDENTIAL_KEYS"):
        assert re.search(rf"^{name}=", example, re.M), name
    assert (REPO / ".env") not in list(REPO.glob(".env")) or ".env" in (REPO / ".gitignore").read_text()


def test_dockerfile_installs_the_project_and_collects_static():
    dockerfile = (REPO / "Dockerfile").read_text()

    assert re.search(r"^FROM python:3\.1[1-9]", dockerfile, re.M)
    assert "pip install" in dockerfile
    assert "collectstatic" in dockerfile
    assert "USER " in dockerfile, "the container does not run as root"


def test_ci_runs_make_test_and_installs_chromium():
    ci = (REPO / ".ci/run").read_text()

    assert "make test" in ci
    assert "chromium" in ci
    assert (REPO / ".ci/run").stat().st_mode & 0o111


def test_makefile_has_the_two_commands():
    makefile = (REPO / "Makefile").read_text()

    assert re.search(r"^demo:", makefile, re.M)
    assert re.search(r"^test:", makefile, re.M)
    assert re.search(r"^bench:", makefile, re.M)
