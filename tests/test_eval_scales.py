"""Issue 12, point 5: evaluations by scale. A survey mixing 1–5, 0–10 and yes/no questions with
N/A answers gives an average per question and per scale, never one number across scales."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import openpyxl
import pytest

from onboard.delivery.evaluations import (
    YES_NO,
    Evaluations,
    Response,
    Scale,
    parse_evaluations,
    parse_scale,
    scale_in_header,
    summarise,
)
from onboard.delivery.facts import DeliveryInfo
from onboard.delivery.stored import evaluations_from_document, evaluations_to_document
from onboard.errors import OnboardError
from onboard.outputs import excel

MIXED = """\
Timestamp,Email,Content was relevant (1-5),Facilitator was engaging (1–5),How likely are you to recommend us? (0-10),Would you attend again? (yes/no),Comments
2026-04-03 12:00,ann.lee@fabrikam.example,5,4,9,Yes,Great day
2026-04-03 12:01,jurgen.muller@fabrikam.example,N/A,5,7,yes,
2026-04-03 12:02,zoe.angstrom@fabrikam.example,4,n/a,10,No,-
2026-04-03 12:03,ross.mcdonald@fabrikam.example,-,five,,Yes,More breaks
2026-04-03 12:04,kwame.mensah@fabrikam.example,3,4,8,N/A,
"""
SLUG = "fabrikam"


def rows_of(text: str) -> list[tuple[int, list[str]]]:
    import csv
    import io

    return list(enumerate(csv.reader(io.StringIO(text)), 1))


def mixed():
    return parse_evaluations(rows_of(MIXED), "survey.csv")


def test_each_question_has_the_scale_its_header_states():
    result = mixed()
    assert result.problems == []
    evaluations = result.evaluations
    assert evaluations.scales == [Scale(1, 5), Scale(1, 5), Scale(0, 10), YES_NO]
    assert evaluations.comment_columns == ["Comments"]
    assert result.scale_notes[2] == "'How likely are you to recommend us? (0-10)': 0–10, from its header"


def test_na_is_no_answer_to_that_question_only_and_a_word_for_a_number_is_read():
    responses = {r.row: r for r in mixed().evaluations.responses}
    assert len(responses) == 5, "nobody's response is lost to an N/A"
    assert responses[3].scores == {2: 5, 3: 7, 4: 1}  # N/A to question 1; the rest count
    assert responses[5].scores == {2: 5, 4: 1}  # '-' and a blank are no answer; 'five' is 5
    assert responses[6].scores == {1: 3, 2: 4, 3: 8}
    assert responses[4].comments == {}, "'-' in a comment column is no comment"


def test_averages_per_question_and_per_scale_and_no_overall_across_scales():
    summary = summarise(mixed().evaluations, participants=7, participants_from="attendance")
    assert [(q.scale.label, q.responses, q.average, q.text) for q in summary.questions] == [
        ("1–5", 3, 4.0, "4.0 out of 5"),
        ("1–5", 4, 4.5, "4.5 out of 5"),
        ("0–10", 4, 8.5, "8.5 out of 10"),
        ("yes/no", 4, 0.75, "75% yes"),
    ]
    assert [(g.scale.label, g.questions, g.answers, g.average) for g in summary.by_scale] == [
        ("1–5", (1, 2), 7, 4.29),
        ("0–10", (3,), 4, 8.5),
        ("yes/no", (4,), 4, 0.75),
    ]
    assert summary.overall is None and summary.overall_text == ""
    assert summary.results_text == (
        "4.3 out of 5 across the 2 questions scored 1–5; 8.5 out of 10 on the question scored 0–10; "
        "75% yes to the yes/no question"
    )
    context = summary.as_context()
    assert "overall" not in context
    assert context["results"] == summary.results_text
    assert context["response_rate"] == "71%"
    data = summary.as_json()
    assert data["overall"] is None and data["by_scale"][1] == {
        "scale": "0-10",
        "questions": [3],
        "answers": 4,
        "average": 8.5,
        "text": "8.5 out of 10",
    }


def test_an_overall_figure_when_the_scored_questions_share_one_scale():
    rows = [["Q1 (1-5)", "Q2", "Again? (yes/no)"], ["5", "4", "yes"], ["4", "4", "no"], ["3", "5", "yes"]]
    summary = summarise(parse_evaluations(list(enumerate(rows, 1)), "s.csv").evaluations, 3)
    assert summary.overall == 4.17 and summary.overall_scale == Scale(1, 5)
    assert summary.overall_text == "4.2 out of 5"
    assert summary.as_context()["overall"] == "4.2 out of 5"


def test_an_answer_off_its_scale_or_no_score_is_reported_by_cell_and_the_other_answers_count():
    rows = [["Relevant (1-5)", "Recommend (0-10)"], ["7", "9"], ["fivee", "8"], ["4", "11"]]
    result = parse_evaluations(list(enumerate(rows, 1)), "s.csv")
    assert [str(p) for p in result.problems] == [
        "row 2, column A (Relevant (1-5)): 7 is not on the question's scale (1–5)",
        "row 3, column A (Relevant (1-5)): 'fivee' is not a score on 1–5",
        "row 4, column B (Recommend (0-10)): 11 is not on the question's scale (0–10)",
    ]
    assert [r.scores for r in result.evaluations.responses] == [{2: 9}, {2: 8}, {1: 4}]


def test_a_scale_read_from_the_answers_says_so_and_the_option_overrides_it():
    rows = [["Relevant", "Recommend us"], ["4", "3"], ["5", "5"], ["3", "4"]]
    result = parse_evaluations(list(enumerate(rows, 1)), "s.csv")
    assert result.evaluations.scales == [Scale(1, 5), Scale(1, 5)]
    assert result.scale_notes[1] == (
        "'Recommend us': 1–5, from its answers (if it is another, import again with "
        '--scale "Recommend us=0-10")'
    )
    told = parse_evaluations(list(enumerate(rows, 1)), "s.csv", {"recommend": "0-10"})
    assert told.evaluations.scales == [Scale(1, 5), Scale(0, 10)]
    assert told.scale_notes[1] == "'Recommend us': 0–10, as --scale says"
    as_text = parse_evaluations(list(enumerate(rows, 1)), "s.csv", {"Relevant": "text"})
    assert as_text.evaluations.comment_columns == ["Relevant"]
    with pytest.raises(OnboardError, match=r"2 column\(s\) of s\.csv start that way"):
        parse_evaluations(list(enumerate(rows, 1)), "s.csv", {"re": "0-10"})
    with pytest.raises(OnboardError, match="'1-11-1' is not a scale"):
        parse_evaluations(list(enumerate(rows, 1)), "s.csv", {"Relevant": "1-11-1"})


@pytest.mark.parametrize(
    ("header", "scale"),
    [
        ("Overall rating (1-5)", Scale(1, 5)),
        ("Likely to recommend, 0–10", Scale(0, 10)),
        ("Rate the pace out of 5", Scale(1, 5)),
        ("Score /10", Scale(0, 10)),
        ("Would you come back? (Y/N)", YES_NO),
        ("Module 2 was useful", None),
        ("24/7 support", None),
    ],
)
def test_scales_in_headers(header, scale):
    assert scale_in_header(header) == scale


def test_scales_as_the_option_writes_them():
    assert parse_scale("1 to 5") == Scale(1, 5)
    assert parse_scale("0–10") == Scale(0, 10)
    assert parse_scale("Yes/No") == YES_NO
    assert parse_scale("text") is None


def test_scales_are_stored_and_evaluations_stored_before_them_read_their_scale_from_the_answers():
    import tomllib

    import tomli_w

    evaluations = mixed().evaluations
    doc = tomllib.loads(tomli_w.dumps(evaluations_to_document(evaluations)))
    assert doc["scales"] == ["1-5", "1-5", "0-10", "yes/no"]
    assert evaluations_from_document(doc, "evals.toml").scales == evaluations.scales
    older = Evaluations(["Q1", "Q2"], [], [Response(2, {1: 4, 2: 9}), Response(3, {1: 5, 2: 7})])
    assert [older.scale(1), older.scale(2)] == [Scale(1, 5), Scale(1, 10)]
    with pytest.raises(OnboardError, match="scales must be a list of 4 texts"):
        evaluations_from_document({**doc, "scales": ["1-5"]}, "evals.toml")


def test_the_eval_workbook_states_every_figure_with_its_scale(tmp_path):
    evaluations = mixed().evaluations
    summary = summarise(evaluations, 7, "attendance")
    out = tmp_path / "eval.xlsx"
    excel.write_eval_summary(out, summary, DeliveryInfo("Fabrikam", "Empathy"), evaluations)
    ws = openpyxl.load_workbook(out)["Summary"]
    assert ws["B12"].value == "Overall average"
    assert ws["C12"].value == "none: the questions use different scales (see the averages by scale below)"
    shown = [(ws.cell(r, 3).value, ws.cell(r, 5).value, ws.cell(r, 5).number_format) for r in range(15, 19)]
    assert shown == [
        ("1–5", 4.0, '0.0" out of 5"'),
        ("1–5", 4.5, '0.0" out of 5"'),
        ("0–10", 8.5, '0.0" out of 10"'),
        ("yes/no", 0.75, '0%" yes"'),
    ]
    assert [ws.cell(21, c).value for c in range(2, 7)] == ["1, 2", "1–5", 2, 4.29, 7]
    assert ws.cell(21, 5).number_format == '0.0" out of 5"'
    raw = openpyxl.load_workbook(out)["Responses"]
    assert [c.value for c in raw[2]][:5] == [2, 5, 4, 9, "Yes"]


# ---------------------------------------------------------------- through the CLI


def flat(text: str) -> str:
    return " ".join(text.split())


def test_cli_imports_a_mixed_survey_and_shows_each_scale(run, fabrikam, tmp_path):
    survey = tmp_path / "survey.csv"
    survey.write_text(MIXED, encoding="utf-8")
    result = run("eval", SLUG, "--import", str(survey))
    assert result.exit_code == 0, result.output
    output = flat(result.output)
    assert "Scale of 'Would you attend again? (yes/no)': yes/no, from its header." in output
    assert "No overall average: the questions use different scales." in output
    assert "8.5 out of 10 on the question scored 0–10" in output
    assert "Overall average:" not in output
    data = json.loads(run("eval", SLUG, "--json").output)
    assert data["overall"] is None
    assert [q["text"] for q in data["questions"]] == [
        "4.0 out of 5",
        "4.5 out of 5",
        "8.5 out of 10",
        "75% yes",
    ]


def test_cli_scale_option(run, fabrikam, tmp_path):
    survey = tmp_path / "survey.csv"
    survey.write_text("Relevant,Recommend\n4,3\n5,9\n", encoding="utf-8")
    result = run("eval", SLUG, "--import", str(survey), "--scale", "Recommend=0-10")
    assert result.exit_code == 0, result.output
    assert "'Recommend': 0–10, as --scale says" in flat(result.output)
    assert json.loads(run("eval", SLUG, "--json").output)["questions"][1]["scale"] == "0-10"
    bad = run("eval", SLUG, "--scale", "Recommend=0-10")
    assert bad.exit_code == 1 and "--scale goes with --import" in flat(bad.output)
    wrong = run("eval", SLUG, "--import", str(survey), "--scale", "Recommend")
    assert wrong.exit_code == 1 and "is not QUESTION=SCALE" in flat(wrong.output)


def test_cli_an_off_scale_answer_stops_the_import_and_skip_invalid_keeps_the_other_answers(
    run, fabrikam, tmp_path
):
    survey = tmp_path / "survey.csv"
    survey.write_text("Relevant (1-5),Engaging (1-5)\n7,4\n5,5\n", encoding="utf-8")
    result = run("eval", SLUG, "--import", str(survey))
    assert result.exit_code == 1
    assert "row 2, column A (Relevant (1-5)): 7 is not on the question's scale (1–5)" in flat(result.output)
    assert not (fabrikam / "evals.toml").exists()
    kept = run("eval", SLUG, "--import", str(survey), "--skip-invalid")
    assert kept.exit_code == 0, kept.output
    data = json.loads(run("eval", SLUG, "--json").output)
    assert [q["responses"] for q in data["questions"]] == [1, 2], "row 2's engaging answer still counts"


# ---------------------------------------------------------------- the client email


def email_for(folder: Path, **facts):
    from onboard.emails.compose import Emails
    from onboard.storage.library import Library
    from tests.test_render import SETTINGS, TODAY, full_client

    training = Library().load("training-engagement")
    state = full_client(training)
    given = {k: v for k, v in {**state.facts, **facts}.items() if v is not None}
    state = dataclasses.replace(state, sections={**state.sections, "facts": given})
    return Emails(settings=SETTINGS).render(training, state, "evaluation-next-steps", TODAY, folder=folder)


def test_the_client_email_states_every_figure_with_its_scale(tmp_path):
    from onboard.delivery.datafiles import store_evaluations

    folder = tmp_path / "clients" / "client-co"
    folder.mkdir(parents=True)
    typed = email_for(folder, eval_score=4.6, eval_scale="5").text
    assert "Evaluation results: an average score of 4.6 out of 5." in typed
    store_evaluations(folder, mixed().evaluations)
    text = " ".join(email_for(folder, eval_score=4.6, eval_scale="5").text.split())
    assert (
        "Evaluation results (5 responses): 4.3 out of 5 across the 2 questions scored 1–5; "
        "8.5 out of 10 on the question scored 0–10; 75% yes to the yes/no question." in text
    )
    assert "average score of" not in text, "a score typed earlier never stands beside the records"


def test_a_typed_score_without_its_scale_is_not_sent(tmp_path):
    from onboard.emails.missing import MissingValuesError

    folder = tmp_path / "clients" / "client-co"
    folder.mkdir(parents=True)
    facts = {"eval_score": 4.6, "eval_scale": None}
    with pytest.raises(MissingValuesError) as err:
        email_for(folder, **facts)
    assert err.value.short == ["eval_scale"]
