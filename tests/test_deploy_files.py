"""docker-compose.yml cannot run here (no Docker engine): check by reading that it is the production shape."""

import importlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services_with_health_checks():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert services["postgres"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")


def test_compose_commands_point_at_things_that_exist():
    services = compose()["services"]
    web = services["web"]["command"]
    assert web == ["python", "-m", "helpdesk.serve"]
    serve = importlib.import_module("helpdesk.serve")
    module, attribute = serve.server_options()["target"].split(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    assert '"helpdesk.serve"' in (ROOT / "Dockerfile").read_text()
    for name, role in (("worker", "worker"), ("beat", "beat")):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "helpdesk"] and command[3] == role
    assert importlib.import_module("helpdesk.celery").app.main == "helpdesk"
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")


def test_whitenoise_serves_static_files_in_production():
    from django.conf import settings

    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "collectstatic" in dockerfile and "compile_translations" in dockerfile


def test_env_example_documents_every_variable_settings_reads():
    import re

    settings_source = (ROOT / "helpdesk" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\("([A-Z_]+)"', settings_source))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read - documented == set()


def test_beat_schedule_names_registered_tasks():
    from django.utils.module_loading import autodiscover_modules

    from helpdesk.celery import app

    autodiscover_modules("tasks")
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
