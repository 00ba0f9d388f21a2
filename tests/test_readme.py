"""The README's Python examples run as written, in order, in a real Jupyter kernel.

A reader pastes them into notebook cells one after another; so does this test:
each ```python block becomes a cell of one notebook executed by nbclient against
the embedded mock (no API key in the kernel's environment). A block that raises
fails the test with the block's text; what the blocks print and show is checked
against what their comments promise.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent

# Run right after the block of that index, in the same kernel: what the block left behind.
CHECKS = {
    0: """
import json
print(json.dumps({
    "same_session": panel.session is session,
    "reply": reply.status,
    "logged": panel.events.counts["response.done"],
    "target": session.target.kind,
}))
""",
    2: """
import json
print(json.dumps({
    "cleared": session.errors[-1].event.error.code,
    "cause": session.errors[-1].client_event.type,
    "done_is_its_own": done.response.id == handle.reply.response.id,
    "reply": [reply.status, bool(reply.transcript), reply.item_id.startswith("item_")],
    "first_event": event.type,
    "instructions": session.session.instructions,
}))
""",
}


def readme_blocks() -> list[str]:
    """Every ```python block of the README, in order."""
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"^```python\n(.*?)^```", readme, flags=re.MULTILINE | re.DOTALL)


def _outputs(cell: Any) -> tuple[str, str, str]:
    """A cell's stdout, stderr and shown results, each joined."""
    streams: dict[str, str] = {"stdout": "", "stderr": ""}
    shown = ""
    for output in cell.outputs:
        if output.output_type == "stream":
            streams[output.name] += output.text
        elif output.output_type == "execute_result":
            shown += output.data.get("text/plain", "")
    return streams["stdout"], streams["stderr"], shown


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str]]:
    mp = pytest.MonkeyPatch()
    mp.delenv("OPENAI_API_KEY", raising=False)  # the kernel inherits it: no key, the mock
    cells = []
    for index, block in enumerate(readme_blocks()):
        cells.append(nbformat.v4.new_code_cell(block))
        if index in CHECKS:
            cells.append(nbformat.v4.new_code_cell(CHECKS[index]))
    notebook = nbformat.v4.new_notebook(cells=cells)
    try:
        NotebookClient(notebook, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT)}}).execute()
    finally:
        mp.undo()
    return [_outputs(cell) for cell in notebook.cells]


def test_the_readme_has_the_blocks_this_test_checks() -> None:
    # A new block runs below without a word; this makes adding one a deliberate act.
    assert len(readme_blocks()) == 7


def test_the_panel_example_opens_a_panel_that_code_drives_too(
        executed: list[tuple[str, str, str]]) -> None:
    _, err, _ = executed[0]
    assert "Traceback" not in err
    facts = json.loads(executed[1][0])
    assert facts == {"same_session": True, "reply": "completed", "logged": 1, "target": "mock"}


def test_the_five_line_example_talks_to_the_embedded_mock(
        executed: list[tuple[str, str, str]]) -> None:
    out, err, _ = executed[2]
    transcript, audio_ms, tokens = out.rsplit(" ", 2)
    assert "Hello!" in transcript and float(audio_ms) > 0 and int(tokens) > 0
    assert err.startswith("realtime_nb: no URL and no API key given")


def test_the_session_tour_does_what_its_comments_say(
        executed: list[tuple[str, str, str]]) -> None:
    out, _, shown = executed[3]
    assert "item_not_found: Item with item_id 'nope'" in out
    # The handler printed the events of the responses asked for after it was registered.
    assert out.splitlines()[1:] == ["completed"] * 3
    assert shown.startswith("Reply(status='completed'")  # session.sync.say("Hi"), shown
    facts = json.loads(executed[4][0])
    assert facts == {
        "cleared": "item_not_found", "cause": "conversation.item.delete",
        "done_is_its_own": True, "reply": ["completed", True, True],
        "first_event": "session.created", "instructions": "Answer in French.",
    }


def test_the_audio_example_sends_a_spoken_file_and_shows_the_reply_as_a_clip(
        executed: list[tuple[str, str, str]]) -> None:
    out, _, shown = executed[5]
    assert out.strip()  # the reply's transcript
    assert re.fullmatch(r"Audio\([\d,]+ ms, 24 kHz\)", shown), shown  # a player in Jupyter


def test_the_tool_example_runs_the_tool_and_shows_the_usage_table(
        executed: list[tuple[str, str, str]]) -> None:
    out, _, shown = executed[6]
    answer, call = out.splitlines()
    assert "get_weather returned" in answer and "city Paris, temp 21" in answer
    assert call.startswith("ToolCall(name='get_weather', arguments={'city': 'Paris', "
                           "'unit': 'celsius'}, output='{\"city\":\"Paris\",\"temp\":21,")
    header, *rows, total = shown.splitlines()
    assert header.split()[:3] == ["response", "status", "in"] and "cost $" in header
    assert len(rows) == 2  # the call, then the answer to its output
    assert all(row.startswith("resp_") and " completed " in row for row in rows)
    assert total.split()[:3] == ["total", "2", "resp."]


def test_building_and_parsing_prints_the_parsed_delta(
        executed: list[tuple[str, str, str]]) -> None:
    out, _, _ = executed[7]
    assert out == "Bonjour"


def test_the_sdk_talks_to_the_mock_in_both_dialects(
        executed: list[tuple[str, str, str]]) -> None:
    out, _, _ = executed[8]
    assert out.split() == ["session.created", "session.created"]
