"""The import contracts as `.importlinter` writes them: its root packages and the modules its layers name."""

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _config() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config


def root_packages() -> tuple[str, ...]:
    return tuple(name.strip() for name in _config()["importlinter"]["root_packages"].split() if name.strip())


def layer_modules() -> list[str]:
    """Every module named in the layers contract (`a : b` and `a | b` lines give both)."""
    lines = _config()["importlinter:contract:layers"]["layers"].split("\n")
    return [name.strip() for line in lines for name in re.split(r"[|:]", line) if name.strip()]
