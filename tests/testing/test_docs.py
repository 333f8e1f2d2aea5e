"""The usage example in ``rtcpeer.testing``'s module docstring runs as written."""

from __future__ import annotations

import textwrap

import rtcpeer.testing


def docstring_example() -> str:
    doc = rtcpeer.testing.__doc__
    assert doc is not None
    _, _, rest = doc.partition("::\n\n")
    lines = []
    for line in rest.splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines))


def test_module_docstring_example_runs() -> None:
    code = docstring_example()
    assert "run_until" in code and "StunServer" in code
    namespace: dict[str, object] = {}
    exec(compile(code, "rtcpeer.testing.__doc__", "exec"), namespace)
