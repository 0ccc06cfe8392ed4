"""The base of every wizard tool: failures come back as error ToolMessages, never exceptions.

Invalid arguments (Pydantic) become ``dotted.path: what is wrong and how to fix it`` lines,
refusals (WizardError) keep their problems, and any other exception is reported by class and
message. ``BaseTool.run`` turns the ToolException into a ToolMessage with status "error".
"""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, ConfigDict, ValidationError

from generators.spec.errors import Problem, problems_from_validation
from tools.wizard import WizardError, WizardState


class NoArgs(BaseModel):
    """No arguments (any argument is an error)."""

    model_config = ConfigDict(extra="forbid")


class WizardTool(BaseTool):
    """A tool acting on a WizardState; subclasses implement ``act`` and return Markdown."""

    wizard: WizardState
    args_schema: type[BaseModel] = NoArgs
    handle_tool_error: bool = True

    def model_post_init(self, context: Any) -> None:
        super().model_post_init(context)
        self.handle_validation_error = self.invalid_arguments

    def locate(self, problem: Problem) -> Problem:
        """Where an argument problem lives in the spec (step tools prefix their section)."""
        return problem

    def invalid_arguments(self, error: ValidationError) -> str:
        problems = problems_from_validation(error, self.args_schema)
        head = f"{self.name}: invalid arguments, nothing was changed. Fix these and call it again:"
        return "\n".join([head, *(f"- {self.locate(p)}" for p in problems)])

    def act(self, **kwargs: Any) -> str:
        raise NotImplementedError

    def _run(self, **kwargs: Any) -> str:
        try:
            return self.act(**kwargs)
        except WizardError as error:
            raise ToolException(str(error)) from None
        except ToolException:
            raise
        except Exception as error:  # any failure is a message to the model, never a crash
            raise ToolException(
                f"{self.name} failed: {type(error).__name__}: {error}. "
                "Tell the user what failed; the spec is unchanged unless stated above."
            ) from None
