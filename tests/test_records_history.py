"""Imports of a delivery's records as events in the client's history, and snapshots of figures.

An import's event names the records it changed (``records``); it survives
the client file, gets a stable id, and its undo names the same records. A
figure recorded as of a moment (close-delivery's participant count) is a
snapshot that the history tells stale once the records change after it.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path

import tomli_w

from onboard.core.engine import new_client, record, set_facts, undo
from onboard.core.snapshots import stale_snapshot
from onboard.core.state import event_id, from_document, to_document

NOW = datetime(2026, 4, 3, 15, 0)
IMPORT = {"file": "attendance.jsonl", "source": "1eb2c0dc883edb9c"}


def client(training):
    return new_client(
        training,
        name="Fabrikam",
        slug="fabrikam",
        facts={"program": "Empathy", "business_unit": "General", "delivery_type": "Virtual"},
        now=NOW,
        by="me",
    )


def imported(state, minutes, summary="attendance from attendance sheet a.xlsx: Fri 03 Apr: 5 present"):
    return record(
        state,
        action="import",
        summary=summary,
        now=NOW + timedelta(minutes=minutes),
        by="me",
        records=IMPORT,
    )


def test_an_import_event_keeps_its_records_through_the_client_file(training):
    state = imported(client(training), 1)
    event = state.history[-1]
    assert event.records == IMPORT and not event.set and event.id
    doc = tomllib.loads(tomli_w.dumps(to_document(state)))
    assert doc["history"][-1]["records"] == IMPORT
    again = from_document(doc, Path("client.toml"))
    assert again.history[-1] == event
    assert again.history[0].id == event_id(again.history[0]), "an event without records keeps its id"


def test_undoing_an_import_names_the_same_records(training):
    state = imported(client(training), 1)
    after, target = undo(state, now=NOW + timedelta(minutes=2), by="me")
    assert target.records == IMPORT
    assert after.history[-1].action == "undo" and after.history[-1].records == IMPORT
    assert after.sections == state.sections, "an import sets no fact"


def test_a_snapshot_is_stale_once_the_records_change_after_it(training):
    state = imported(client(training), 1)
    state = set_facts(training, state, {"participant_count": "5"}, now=NOW + timedelta(minutes=2), by="me")
    assert stale_snapshot(state) is None, "taken after the import: it stands"
    later = imported(state, 3, "attendance from Teams report t.csv: Fri 03 Apr: 6 present (+Kwame Mensah)")
    stale = stale_snapshot(later)
    assert stale is not None and stale.values == {"participant_count": 5}
    assert [e.seq for e in stale.changes] == [later.history[-1].seq]
    assert "participant_count 5 was recorded on 2026-04-03" in stale.lines()[0]
    assert "+Kwame Mensah" in stale.lines()[1]
    undone, _ = undo(later, now=NOW + timedelta(minutes=4), by="me")
    assert stale_snapshot(undone) is None, "made and undone after the snapshot: no change"
    before, _ = undo(state, now=NOW + timedelta(minutes=4), by="me")  # the snapshot itself
    assert stale_snapshot(before) is None
    counted = set_facts(training, state, {"eval_score": "4.5"}, now=NOW + timedelta(minutes=3), by="me")
    first, _ = undo(counted, now=NOW + timedelta(minutes=4), by="me")
    assert stale_snapshot(first) is None
    dropped = record(
        counted,
        action="undo",
        summary="undid #2",
        now=NOW + timedelta(minutes=5),
        by="me",
        target=2,
        records=IMPORT,
    )
    assert stale_snapshot(dropped) is not None, "an import the snapshot counted, undone after it"
