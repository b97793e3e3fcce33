"""Reading scenario files: every problem named with its file, line, field and what was expected.

``load_scenario(path)`` returns a ``Scenario`` or raises ``ScenarioFileError`` listing every
problem; ``load_library()`` reads every file and never raises: an invalid file comes back
as an entry with its problems, so a list can show it as invalid.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scenarios.schema import Scenario

LIBRARY = Path(__file__).with_name("library")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ScenarioFileError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Loader(yaml.SafeLoader):
    """YAML without surprises: a key given twice is an error, not a silent overwrite."""


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (first on line {seen[key] + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
# YAML 1.2 booleans: only true/false. (YAML 1.1 reads the key `on:` of a bill or payment,
# and a caller's answer `no`, as booleans.)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def _lines(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Each path in the document (keys and list indexes) -> its 1-based line."""
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            key = key_node.value
            out[path + (key,)] = key_node.start_mark.line + 1
            _lines(value, path + (key,), out)
            out[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _lines(value, path + (index,), out)
    return out


def _line_of(lines: dict[tuple, int], loc: tuple) -> int | None:
    loc = tuple(str(p) if not isinstance(p, int) else p for p in loc)
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _expected(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    given = error.get("input")
    shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field here (check the spelling; see docs/scenarios.md)"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')} (got {shown})"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind.startswith("string_pattern"):
        return f"must match {ctx.get('pattern')} (got {shown})"
    return f"{error['msg'][:1].lower()}{error['msg'][1:]} (got {shown})"


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if not str(p).startswith(("function-", "tagged-union"))]
    return ".".join(parts)


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Parse and validate one scenario's YAML text."""
    try:
        root = yaml.compose(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(error, "problem", None) or str(error)
        raise ScenarioFileError([Problem(file, line, "", f"not valid YAML: {problem}")]) from None
    if not isinstance(data, dict):
        raise ScenarioFileError([Problem(file, 1, "", "a scenario file is a mapping of fields (id, title, ...)")])
    lines = _lines(root) if root is not None else {}
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            loc = tuple(p for p in item["loc"] if not str(p).startswith(("function-", "tagged-union")))
            message = _expected(item)
            if item["type"] == "value_error" and "; " in message:
                for part in message.split("; "):
                    problems.append(Problem(file, _line_of(lines, loc), _field(loc), part))
            else:
                problems.append(Problem(file, _line_of(lines, loc), _field(loc), message))
        raise ScenarioFileError(problems) from None


def read_scenario_text(path: str | Path) -> str:
    file = Path(path)
    if not file.is_file():
        raise ScenarioFileError([Problem(str(path), None, "", "no such file (expected a scenario .yaml file)")])
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioFileError([Problem(str(path), None, "", f"not UTF-8 text (byte {error.start})")]) from None


def load_scenario(path: str | Path) -> Scenario:
    return parse_scenario(read_scenario_text(path), str(path))


def sha256_of(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class LibraryEntry:
    path: Path
    scenario: Scenario | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.scenario is not None

    @property
    def id(self) -> str:
        return self.scenario.id if self.scenario else self.path.stem


def library_files(directory: str | Path | None = None) -> list[Path]:
    return sorted(Path(directory or LIBRARY).glob("*.yaml"))


def load_entry(path: str | Path) -> LibraryEntry:
    """One file, valid or not. Parsing the library takes about a second and pages ask for it on
    every view, so an entry is kept until its file changes (size or modification time)."""
    try:
        stat = Path(path).stat()
    except OSError:
        return _parsed(str(path), None, None)
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _parsed(path: str, _mtime_ns: int | None, _size: int | None) -> LibraryEntry:
    try:
        return LibraryEntry(Path(path), load_scenario(path))
    except ScenarioFileError as error:
        return LibraryEntry(Path(path), None, error.problems)


def load_library(directory: str | Path | None = None) -> list[LibraryEntry]:
    """Every scenario file, valid or not; two valid files with the same id: the second is invalid."""
    entries, seen = [], {}
    for path in library_files(directory):
        entry = load_entry(path)
        if entry.valid and entry.id in seen:
            entry = LibraryEntry(path, None, [Problem(str(path), None, "id",
                                                      f"{entry.id!r} is also the id of {seen[entry.id].name}")])
        elif entry.valid:
            seen[entry.id] = path
        entries.append(entry)
    return entries


def find_scenario(scenario_id: str, directory: str | Path | None = None) -> LibraryEntry | None:
    return next((e for e in load_library(directory) if e.valid and e.id == scenario_id), None)
