"""HTTP routes the test pages talk to: keystroke batches in, attempt finished out.

These are plain JSON routes (not the UI websocket) so that the page can re-send a batch
after a lost connection and send the last ones as beacons while the tab closes.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from nicegui import app
from pydantic import BaseModel, ConfigDict, ValidationError

from assessments.exam_attempts import attempt_finished
from results.database import session_factory
from results.keystroke_log import IngestError, ingest_batch, parse_batch
from results.models import Attempt
from results.finishing import finish_attempt as finish_and_score, result_url
from simulator import auth


class FinishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str
    reason: str


def _refusal(status: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"detail": message, **extra}, status_code=status)


def register() -> None:
    @app.post("/api/attempts/{attempt_id}/keystrokes")
    async def receive_keystrokes(attempt_id: str, request: Request) -> JSONResponse:
        if (refused := auth.attempt_refusal(attempt_id, taking=True)) is not None:  # exam: its candidate only
            return _refusal(refused[0], refused[1], **refused[2])
        try:
            batch = parse_batch(await request.body())
            with session_factory()() as session:
                result = ingest_batch(session, attempt_id, batch)
        except IngestError as error:
            return _refusal(error.status, error.message, **error.extra)
        return JSONResponse({"stored": result.seq, "events": result.stored_events})

    @app.post("/api/attempts/{attempt_id}/finish")
    async def finish_attempt(attempt_id: str, request: Request) -> JSONResponse:
        if (refused := auth.attempt_refusal(attempt_id, taking=True)) is not None:  # a voided test never scores
            return _refusal(refused[0], refused[1], **refused[2])
        try:
            body = FinishIn.model_validate_json(await request.body())
        except ValidationError:
            return _refusal(422, 'expected {"token": "...", "reason": "time" | "completed" | "early"}')
        try:
            with session_factory()() as session:
                score = finish_and_score(session, attempt_id, body.token, body.reason)
                attempt_finished(session, attempt_id)  # an exam candidate's status moves on
                url = result_url(session.get(Attempt, score.attempt_id))
        except LookupError as error:
            return _refusal(404, str(error))
        except PermissionError as error:
            return _refusal(403, str(error))
        except ValueError as error:
            return _refusal(422, str(error))
        return JSONResponse({"result_url": url})
