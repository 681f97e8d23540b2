"""Fake document that needs `figure` and records the files it was given (see parts.py)."""

from tests.build_fakes.parts import render_user as render


def view(g, given=None) -> dict:
    return {}
