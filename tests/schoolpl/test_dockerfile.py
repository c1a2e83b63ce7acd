"""There is no Docker engine here, so the Dockerfile and .dockerignore are checked as text."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]


def copied_paths() -> list[str]:
    return [arg.split()[0] for op, arg in instructions() if op == "COPY"]


def test_every_project_app_is_copied_into_the_image():
    top_level = {app.split(".")[0] for app in settings.PROJECT_APPS}
    missing = top_level - set(copied_paths())
    assert not missing, f"Dockerfile does not COPY {sorted(missing)}"


def test_dependencies_install_before_the_source_is_copied():
    steps = instructions()
    first_app_copy = next(i for i, (op, arg) in enumerate(steps) if op == "COPY" and arg.split()[0] == "schoolpl")
    dependency_install = next(
        i for i, (op, arg) in enumerate(steps) if op == "RUN" and "constraints.txt" in arg and "-r" in arg
    )
    assert dependency_install < first_app_copy
    # Before that install only the files that define the dependencies are in the image.
    early = [arg for op, arg in steps[:dependency_install] if op == "COPY"]
    assert early == ["pyproject.toml constraints.txt ./"]
    # The project's own install does not resolve dependencies again.
    assert any(op == "RUN" and re.search(r"pip install --no-deps \.", arg) for op, arg in steps)


def test_build_context_leaves_out_local_state():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", ".git", ".env", "*.sqlite3"} <= ignored
