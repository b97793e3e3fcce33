"""The refusals every assessments service shares, with messages a page can show as they are."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class InvalidInput(ValueError):
    """The input was refused; ``problems`` lists every reason, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class NotFound(LookupError):
    """The record named does not exist."""


class NotPermitted(PermissionError):
    """The acting user's role does not allow this action, or the record's state does not."""


def problem_text(error: dict[str, Any]) -> str:
    """One pydantic error as 'field: message', without pydantic's 'Value error, ' prefix."""
    field = ".".join(str(part) for part in error["loc"])
    context = error.get("ctx") or {}
    message = str(context["error"]) if "error" in context else error["msg"]
    return f"{field}: {message}" if field else message


def validated(model: type[M], data: dict[str, Any]) -> M:
    """Build a pydantic model or raise InvalidInput listing every problem."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput([problem_text(e) for e in error.errors()]) from None
