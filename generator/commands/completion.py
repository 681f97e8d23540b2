"""`guideline completion SHELL`: print the shell's completion script (Click's built-in completion)."""

from __future__ import annotations

import click

SHELLS = ("bash", "zsh", "fish")
INSTALL = {
    "bash": 'eval "$(guideline completion bash)"            # in ~/.bashrc',
    "zsh": 'eval "$(guideline completion zsh)"             # in ~/.zshrc',
    "fish": "guideline completion fish > ~/.config/fish/completions/guideline.fish",
}


def register(group: click.Group) -> None:
    group.add_command(completion)


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL (bash, zsh or fish).

    \b
    bash:  eval "$(guideline completion bash)"   (add to ~/.bashrc)
    zsh:   eval "$(guideline completion zsh)"    (add to ~/.zshrc)
    fish:  guideline completion fish > ~/.config/fish/completions/guideline.fish

    The same scripts come from Click directly: _GUIDELINE_COMPLETE=bash_source guideline.
    """
    from click.shell_completion import get_completion_class

    root = ctx.find_root().command
    cls = get_completion_class(shell)
    # Always the installed command's name, so the script completes `guideline` even when run as
    # `python -m generator`.
    script = cls(root, {}, "guideline", "_GUIDELINE_COMPLETE").source()
    click.echo(script.rstrip("\n"))
