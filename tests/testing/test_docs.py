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


def test_ice_example_continues_the_first_one() -> None:
    """The second block (ICE endpoints) runs in the namespace the first one left."""
    doc = rtcpeer.testing.__doc__
    assert doc is not None
    blocks = []
    for part in doc.split("::\n\n")[1:]:
        lines = []
        for line in part.splitlines():
            if line and not line.startswith("    "):
                break
            lines.append(line)
        blocks.append(textwrap.dedent("\n".join(lines)))
    assert len(blocks) == 2 and "IceEndpoint" in blocks[1]
    namespace: dict[str, object] = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"rtcpeer.testing.__doc__[{i}]", "exec"), namespace)
