"""The log view, headless: lines, the detail pane, links, filters, export, and quiet refreshes.

Events are fed to the log by hand and the view is refreshed by hand, as the
panel's Refresher would; what reaches the browser is counted at the one place
ipywidgets sends from (``Widget._send``).
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import ipywidgets as widgets
import pytest

import realtime_nb as rt
from realtime_nb.state.event_log import TIMES, EventLog
from realtime_nb.widgets.log_view import CAUSE_MARK, ERROR_MARK, LogView
from realtime_nb.widgets.view import export_name

RESPONSE = "resp_1"


def audio_delta(n: int = 0, item: str = "item_1", size: int = 4800) -> Any:
    return rt.parse_server_event({
        "type": "response.output_audio.delta", "event_id": f"event_a{n}",
        "response_id": RESPONSE, "item_id": item, "output_index": 0, "content_index": 0,
        "delta": base64.b64encode(bytes(range(256)) * (size // 256) + bytes(size % 256)
                                  ).decode()})


def text_delta(text: str, n: int = 0, item: str = "item_1") -> Any:
    return rt.parse_server_event({
        "type": "response.output_text.delta", "event_id": f"event_t{n}",
        "response_id": RESPONSE, "item_id": item, "output_index": 0, "content_index": 0,
        "delta": text})


def error_for(event_id: str, message: str = "Conversation already has an active response"
              ) -> Any:
    return rt.parse_server_event({"type": "error", "event_id": "event_err", "error": {
        "type": "invalid_request_error", "code": "conversation_already_has_active_response",
        "message": message, "event_id": event_id}})


def conversation() -> EventLog:
    """A short exchange: a message, a response with audio and text, a refused request."""
    log = EventLog()
    log.sent(rt.create_item(rt.user_text("Hello <there> & welcome"), event_id="evt_item"))
    log.sent(rt.create_response(event_id="evt_r1"))
    for n in range(3):
        log.received(audio_delta(n))
    log.received(text_delta("Hi", 1))
    log.sent(rt.create_response(event_id="evt_r2"))
    log.received(error_for("evt_r2"))
    return log


def labels(view: LogView) -> list[str]:
    return [label for label, _ in view.lines.options]


def choose(view: LogView, index: int) -> None:
    """Select a line as the user would (the front-end sets the index)."""
    view.lines.index = index


class Sent:
    """Counts the messages widgets send to the front-end."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        original = widgets.Widget._send

        def send(widget: widgets.Widget, msg: dict[str, Any], buffers: Any = None) -> None:
            self.messages.append((type(widget).__name__, msg))
            original(widget, msg, buffers)

        monkeypatch.setattr(widgets.Widget, "_send", send)

    def clear(self) -> None:
        self.messages.clear()


def test_the_root_and_the_line_list_carry_the_classes_the_browser_test_finds() -> None:
    view = LogView(EventLog())
    assert "rtnb-log" in view.widget._dom_classes
    assert "rtnb-log-lines" in view.lines._dom_classes
    assert isinstance(view.lines, widgets.Select) and view.lines.rows == 16


def test_lines_show_time_arrow_type_summary_and_count_newest_last() -> None:
    log = conversation()
    view = LogView(log)
    lines = labels(view)
    assert len(lines) == 6
    assert [value for _, value in view.lines.options] == [entry.seq for entry in log]
    assert re.match(r"\d\d:\d\d:\d\d\.\d{3} ↑ conversation\.item\.create ", lines[0])
    assert "↑ response.create" in lines[1]
    assert f"↓ response.output_audio.delta {TIMES}3  14,400 bytes · 300 ms" in lines[2]
    assert lines[3].endswith('↓ response.output_text.delta "Hi"')
    assert f"↑ {CAUSE_MARK} response.create" in lines[4]
    assert f"↓ {ERROR_MARK} error invalid_request_error" in lines[5]
    assert lines[5].endswith("← evt_r2")
    assert CAUSE_MARK not in lines[1] and ERROR_MARK not in lines[1]
    assert view.lines.value is None  # nothing selected until the user chooses


def test_only_the_newest_visible_entries_are_listed() -> None:
    log = EventLog()
    for n in range(50):
        log.received(text_delta("x", n, item=f"item_{n}"))
    view = LogView(log, visible=10)
    assert [value for _, value in view.lines.options] == list(range(41, 51))
    view.visible = 3
    view.refresh()
    assert [value for _, value in view.lines.options] == [48, 49, 50]


def test_the_detail_pane_shows_the_selected_entry_as_escaped_json_with_audio_summarised(
) -> None:
    log = conversation()
    view = LogView(log)
    choose(view, 0)
    detail = view.detail.value
    assert "<pre>" in detail and "Hello &lt;there&gt; &amp; welcome" in detail
    shown = json.loads(_unescape(re.search(r"<pre>(.*)</pre>", detail, re.S).group(1)))
    assert shown["event"]["item"]["content"][0]["text"] == "Hello <there> & welcome"
    choose(view, 2)
    shown = json.loads(_unescape(re.search(r"<pre>(.*)</pre>", view.detail.value,
                                           re.S).group(1)))
    assert shown["count"] == 3 and shown["audio"]["bytes"] == 14_400
    assert shown["first"]["event"]["delta"] == "<base64: 4,800 bytes, 100 ms PCM16 24 kHz>"
    payload = audio_delta(0).delta
    assert payload[:40] not in view.detail.value


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_the_link_button_goes_from_an_error_to_its_cause_and_back() -> None:
    log = conversation()
    view = LogView(log)
    error, cause = log.entries()[-1], log.entries()[-2]
    choose(view, 5)
    assert view.link.description == "Show cause" and not view.link.disabled
    assert "Caused by response.create evt_r2" in view.detail.value
    view.link.click()
    assert view.lines.value == cause.seq
    assert view.link.description == "Show error" and not view.link.disabled
    assert f"caused error #{error.seq}" in view.detail.value
    view.link.click()
    assert view.lines.value == error.seq
    choose(view, 0)  # no link: the button says so by being disabled
    assert view.link.disabled


def test_the_link_reaches_a_cause_the_filter_hides() -> None:
    log = conversation()
    view = LogView(log)
    view.types.value = "error"
    assert len(view.lines.options) == 1
    choose(view, 0)
    view.link.click()
    cause = log.entries()[-2]
    assert view.lines.value == cause.seq and cause.seq in [v for _, v in view.lines.options]


def test_a_dropped_cause_disables_the_link_and_says_so() -> None:
    log = EventLog(capacity=3)
    log.sent(rt.create_response(event_id="evt_old"))
    for n in range(3):
        log.received(text_delta("x", n, item=f"item_{n}"))
    log.received(error_for("evt_old"))
    view = LogView(log)
    choose(view, len(view.lines.options) - 1)
    assert view.link.disabled
    assert "dropped from the log" in view.detail.value


def test_filters_redraw_at_once_types_globs_search_and_direction() -> None:
    log = conversation()
    view = LogView(log)
    view.types.value = "response.output_*"
    assert [label.split()[2] for label in labels(view)] == [
        "response.output_audio.delta", "response.output_text.delta"]
    view.types.value = "error, conversation.item.create"
    assert len(labels(view)) == 2
    view.types.value = ""
    view.search.value = "WELCOME"
    assert len(labels(view)) == 1 and "conversation.item.create" in labels(view)[0]
    view.search.value = ""
    view.direction.value = "client"
    assert all(" ↑ " in label for label in labels(view)) and len(labels(view)) == 3
    view.direction.value = "server"
    assert all(" ↓ " in label for label in labels(view)) and len(labels(view)) == 3


def test_a_selection_survives_new_events() -> None:
    log = conversation()
    view = LogView(log, visible=4)
    choose(view, 1)
    selected = view.lines.value
    for n in range(10):
        log.received(text_delta("more", n, item=f"other_{n}"))
    view.refresh()
    assert view.lines.value == selected  # still listed (pinned), still selected
    assert len(view.lines.options) == 5 and view.lines.options[0][1] == selected


def test_counts_and_status() -> None:
    log = conversation()
    log.capacity = 4
    view = LogView(log)
    assert "8 events, 4 kept, 4 dropped (capacity 4)" in view.status.value
    assert "<code>response.output_audio.delta</code>&nbsp;3" in view.counts.value
    assert "↑ 3 client · ↓ 5 server" in view.counts.value


def test_refreshing_with_nothing_new_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    log = conversation()
    for n in range(3):
        log.received(audio_delta(n, item="item_2"))
    view = LogView(log)
    choose(view, 6)
    sent = Sent(monkeypatch)
    view.refresh()
    view.refresh()
    assert sent.messages == []
    log.received(audio_delta(9, item="item_2"))  # the selected collapsed entry grows
    view.refresh()
    changed = {name for name, _ in sent.messages}
    assert "Select" in changed and "HTML" in changed
    assert f"{TIMES}4" in labels(view)[6] and '"count": 4' in view.detail.value
    sent.clear()
    queries: list[Any] = []
    monkeypatch.setattr(log, "entries", lambda *args, **kwargs: queries.append(args))
    view.refresh()
    assert sent.messages == [] and queries == []  # not even a query: the version says it all


def test_a_change_that_moves_nothing_on_screen_sends_nothing_either(
        monkeypatch: pytest.MonkeyPatch) -> None:
    log = conversation()
    view = LogView(log)
    view.types.value = "error"
    sent = Sent(monkeypatch)
    log.capacity = log.capacity  # a new version, the same lines, counts and status
    view.refresh()
    assert sent.messages == []


def test_export_writes_the_kept_events_in_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    log = conversation()
    view = LogView(log)
    view.export.click()
    [path] = list(tmp_path.glob("realtime_nb-events-*.jsonl"))
    assert re.fullmatch(r"realtime_nb-events-\d{8}T\d{6}Z\.jsonl", path.name)
    assert view.exported == path.resolve() or view.exported == path
    assert str(path.name) in view.export_note.value
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == log.kept == 8
    assert lines[2]["event"] == audio_delta(0).to_dict()
    second = view.export_jsonl(tmp_path)  # within the same second: a second file
    assert second != path and second.exists()
    assert export_name("events", ".jsonl").startswith("realtime_nb-events-")


def test_attach_shows_json_in_the_sessions_dialect() -> None:
    log = conversation()
    view = LogView(log)
    view.attach(SimpleNamespace(target=SimpleNamespace(dialect="beta")))  # type: ignore[arg-type]
    assert log.dialect == "beta"
    choose(view, 2)
    assert '"type": "response.audio.delta"' in view.detail.value
    view.attach(None)
    assert log.dialect == "beta"  # no session: the last dialect stays
