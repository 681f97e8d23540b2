"""A document whose render fails when the content asks it to (a statement text containing FAIL-RENDER)."""


def view(g, given=None) -> dict:
    return {"fail": any("FAIL-RENDER" in s.text for s in g.statements)}


def render(view, deps) -> bytes:
    if view["fail"]:
        raise RuntimeError("asked to fail")
    return b"ok\n"
