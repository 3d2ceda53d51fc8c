"""Options that name a file the command writes as it goes (``--trace FILE``).

The file is opened through :mod:`tenscontrol.files` when the option is parsed: a new 0600
file that takes the path's place at once (a trace must survive a crash), never a link, a
device or a pipe; ``-`` is standard output. A refused path is a usage error naming the
option and the path (exit 2), before anything is opened or started. The file is closed
when the command ends (click's context owns it).
"""

from __future__ import annotations

from typing import IO, Any

import click

from tenscontrol.files import FileRefused, Publish, output


class StreamFile(click.ParamType):  # type: ignore[type-arg]
    """A text stream to write to as the command runs, opened as the module says."""

    name = "FILE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value  # already a stream (a default, or a test passing one)
        context = ctx or click.get_current_context()
        try:
            stream: IO[str] = context.with_resource(output(value, publish=Publish.AT_OPEN))
        except FileRefused as refused:
            self.fail(str(refused), param, ctx)
        except OSError as error:
            self.fail(f"{value}: {error.strerror or error}", param, ctx)
        return stream


STREAM_FILE = StreamFile()

#: ``--trace FILE`` (parameter ``trace_file``), the same for every command that has it.
trace_option = click.option(
    "--trace",
    "trace_file",
    type=STREAM_FILE,
    help="Trace every frame to FILE (a new file, mode 0600; '-': standard output).",
)
