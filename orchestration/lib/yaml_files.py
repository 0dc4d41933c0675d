"""Reading the project's YAML files (the export schemas, the published tables, the suites, ...): with
libyaml's parser when PyYAML has it, several times faster than the pure-Python one, and the definitions
read several of these files each time they load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
