"""A form for any CIS operation, built from its argument model (pydantic).

The operation validates; the form only collects text, choices and ticks, so every rule
(and every message about a wrong value) stays in fake_cis.operations.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any, Literal

from nicegui import ui
from pydantic import BaseModel

from fake_cis.operations import Operation


def _choices(annotation: Any) -> tuple[str, ...] | None:
    """The allowed values of a Literal field (also inside Optional)."""
    if typing.get_origin(annotation) is Literal:
        return tuple(str(v) for v in typing.get_args(annotation))
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _choices(arg)
            if found:
                return found
    return None


def _is_bool(annotation: Any) -> bool:
    return annotation is bool or (typing.get_origin(annotation) in (typing.Union, types.UnionType)
                                  and bool in typing.get_args(annotation))


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The argument model of a field that is itself a group of fields (e.g. a new person)."""
    candidates = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) \
        else (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


LONG_TEXT = 1000  # characters: a field that may hold this much is a note, not a value


def _max_length(field: Any) -> int:
    """The longest text the field accepts (0 when it is not limited text)."""
    for meta in field.metadata:
        if getattr(meta, "max_length", None):
            return meta.max_length
    return 0


def _fields(model: type[BaseModel], prefill: dict[str, Any], send: Callable[[], None]) -> dict[str, Callable[[], Any]]:
    """Inputs for a model's fields; returns how to read each one (nested groups read as dicts)."""
    values: dict[str, Callable[[], Any]] = {}
    for name, field in model.model_fields.items():
        label = _label(name) + ("" if field.is_required() else " (optional)")
        hint = field.description or ""
        nested = _nested_model(field.annotation)
        if nested is not None:
            with ui.expansion(label, caption=hint).classes("col-span-2 w-full").mark(f"group-{name}"):
                with ui.grid(columns=2).classes("w-full gap-x-4 gap-y-1"):
                    inner = _fields(nested, {}, send)
            values[name] = lambda inner=inner: {k: v for k, read in inner.items()
                                                if (v := read()) not in (None, "")} or None
            continue
        choices = _choices(field.annotation)
        if _is_bool(field.annotation):
            box = ui.checkbox(label, value=bool(prefill.get(name, field.default or False))).mark(f"arg-{name}")
            values[name] = lambda box=box: box.value
        elif choices:
            default = prefill.get(name, field.default if field.default in choices else None)
            select = ui.select(list(choices), label=label, value=default, clearable=not field.is_required())
            select.props("outlined dense").mark(f"arg-{name}")
            select.props["hint"] = hint  # set directly: descriptions contain quotes
            values[name] = lambda select=select: select.value
        elif _max_length(field) >= LONG_TEXT:
            # A note or a letter: several lines, so Enter is a new line; Ctrl+Enter sends.
            start = prefill.get(name, "")
            box = ui.textarea(label, value=str(start) if start is not None else "").classes("col-span-2")
            box.props("outlined dense autogrow").mark(f"arg-{name}")
            box.props["hint"] = hint + " (Ctrl+Enter sends)"
            box.on("keydown.ctrl.enter", send)
            values[name] = lambda box=box: box.value
        else:
            start = prefill.get(name, "" if field.default is None or field.is_required() else field.default)
            box = ui.input(label, value=str(start) if start is not None else "")
            box.props("outlined dense").mark(f"arg-{name}")
            box.props["hint"] = hint
            box.on("keydown.enter", send)
            values[name] = lambda box=box: box.value
    return values


def operation_form(op: Operation, prefill: dict[str, Any],
                   submit: Callable[[str, dict[str, Any]], None]) -> None:
    """Fields for each argument (prefilled where known); Enter or the button submits."""
    ui.label(op.summary).classes("text-gray-700")

    def send() -> None:
        arguments = {}
        for name, read in values.items():
            value = read()
            if value is None or value == "":
                continue  # left empty: the operation's default, or its "required" message
            arguments[name] = value
        submit(op.name, arguments)

    with ui.grid(columns=2).classes("w-full gap-x-4 gap-y-1"):
        values = _fields(op.arguments, prefill, send)
    ui.button(f"Do it: {_label(op.name)}", on_click=send).props("unelevated").mark("run-operation")
