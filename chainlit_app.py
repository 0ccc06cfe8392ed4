"""The idgraph chat app (Chainlit): wires chat events to the agent or the guided mode.

The entry point only: each Chainlit event is handed to the chat's ``ui.chat.Chat``, which lives
in ``cl.user_session`` (nothing mutable at module level), so two people chatting and generating
at once each see only their own state and progress.

Run: ``chainlit run chainlit_app.py --headless`` (``./dev app``). Inside Databricks Apps the
user comes from the forwarded headers (and Chainlit's header auth, which needs
``CHAINLIT_AUTH_SECRET``); locally there is one user and no login.
"""

from __future__ import annotations

from pathlib import Path

import chainlit as cl

from generators.databricks.identity import IdentityError, in_databricks_app
from generators.spec.errors import SpecError
from ui import messages, workspace_user
from ui.chat import EDIT_ACTION, Chat, busy_reply, listed, read_upload
from ui.commands import COMMANDS, load_command
from ui.settings import initial_spec
from ui.task_list import CANCEL_ACTION


def current_chat() -> Chat | None:
    return cl.user_session.get("chat")


# ---------------------------------------------------------------- Chainlit events


if in_databricks_app():

    @cl.header_auth_callback
    async def databricks_user(headers) -> cl.User | None:
        """Sign in the Databricks Apps user by the forwarded email (the token is not kept: a
        missing token is reported by ``start``, which refuses to work without it)."""
        signed_in = workspace_user.signed_in(headers)
        if signed_in is None:
            return None
        email, name = signed_in
        return cl.User(identifier=email, display_name=name)


@cl.on_chat_start
async def start() -> None:
    try:
        user = workspace_user.user_from_environ(cl.context.session.environ)
        chat = Chat(user, initial_spec())
    except IdentityError as error:
        await cl.ErrorMessage(str(error)).send()
        return
    except SpecError as error:
        await cl.ErrorMessage(
            f"The app's default target (IDGRAPH_CATALOG, IDGRAPH_SCHEMA) is invalid: {error}"
        ).send()
        return
    except ValueError as error:  # e.g. IDGRAPH_EXECUTION or IDGRAPH_JOB_THRESHOLD_ROWS
        await cl.ErrorMessage(f"The app's configuration is invalid: {error}").send()
        return
    cl.user_session.set("chat", chat)
    await cl.Message(
        messages.welcome(
            workspace_user.describe_user(user), chat.session.mode, chat.session.model_label
        )
    ).send()
    chat.start(listed(chat.session.welcome()))


@cl.on_message
async def message(msg: cl.Message) -> None:
    chat = current_chat()
    if chat is None:
        await cl.ErrorMessage("This chat has no session: reload the page.").send()
        return
    if chat.busy:
        await busy_reply(chat)
        return
    uploads = [element for element in msg.elements if element.path]
    if uploads:
        text = read_upload(Path(uploads[0].path))
        if text is None:
            await cl.Message(
                "That file is empty or too large to be a spec; nothing changed."
            ).send()
            return
        chat.start(chat.command(load_command(text)))
    elif msg.content.strip():
        chat.start(chat.session.send(msg.content))


async def on_command(action: cl.Action) -> None:
    chat = current_chat()
    if chat is None:
        return
    if chat.busy:
        await busy_reply(chat)
        return
    chat.start(chat.command(COMMANDS[action.name]))


for _name in COMMANDS:
    cl.action_callback(_name)(on_command)


@cl.action_callback(EDIT_ACTION)
async def on_edit(action: cl.Action) -> None:
    chat = current_chat()
    if chat is not None:
        session = chat.session
        await cl.Message(messages.edit_hint(session.current_step, session.mode)).send()


@cl.action_callback(CANCEL_ACTION)
async def on_cancel(action: cl.Action) -> None:
    chat = current_chat()
    if chat is None or chat.view is None or chat.view.outcome != "running":
        return
    chat.view.cancel_requested = True
    chat.session.cancel()
    await cl.Message("Cancelling the generation…").send()


@cl.on_chat_end
async def end() -> None:
    """A closed chat stops its generation (nothing half-written stays visible), except a
    Databricks Jobs run: it goes on (its run page follows it) and is stopped only by Cancel."""
    chat = current_chat()
    job_run = chat is not None and chat.view is not None and chat.view.progress.job is not None
    if chat is not None and chat.busy and not job_run:
        chat.session.cancel()
