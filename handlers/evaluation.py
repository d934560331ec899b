"""Flow 8 in the chat: the 1-5 rating buttons 90 days after the TMT."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup

from core.domain import Role
from core.domain.errors import NotFound
from core.domain.messages import EvaluationRequest
from core.usecases.evaluations import AlreadyRated, record_evaluation
from handlers.access import Turn, handler
from handlers.i18n import Translator
from handlers.keyboards import button, keyboard

FEATURE = "eval"
KINDS = ("performance", "adaptation", "move")


def render_evaluation_request(
    t: Translator, request: EvaluationRequest
) -> tuple[str, InlineKeyboardMarkup]:
    """The question and five buttons."""
    kind = request.kind
    pid = request.proposal_id
    text = t(
        f"evaluation.ask.{kind}",
        name=escape(request.name or request.nip),
        unit=escape(request.to_name or request.to_unit),
    )
    return text, keyboard(
        [button(str(score), FEATURE, kind[0], pid, score) for score in range(1, 6)]
    )


@handler(role=Role.ASN)
async def on_score(turn: Turn) -> None:
    """A 1-5 press: store it if the caller may give this rating."""
    press = turn.press
    if press is None:
        return
    kind = next((k for k in KINDS if k[0] == press.action), None)
    proposal_id, score = press.int_arg(0), press.int_arg(1)
    if kind is None or proposal_id is None or score is None:
        raise NotFound()
    try:
        await record_evaluation(
            turn.context.services.uow_factory,
            turn.context.clock,
            proposal_id=proposal_id,
            rater_nip=turn.me.nip,
            kind=kind,
            score=score,
        )
    except AlreadyRated:
        await turn.notify(turn.t("error.already_rated"))
        return
    # The question is edited to the answer: its buttons go, nothing piles up.
    message = turn.update.effective_message
    question = message.text_html if message is not None and message.text else ""
    thanks = turn.t("evaluation.thanks", score=score)
    await turn.replace(f"{question}\n\n{thanks}" if question else thanks)
