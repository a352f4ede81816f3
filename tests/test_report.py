import json
import re
from html import unescape
from itertools import pairwise

INTAKE = ["--set", "program=P", "--set", "business_unit=General", "--set", "delivery_type=Virtual"]


def test_report_has_one_timeline_per_client_and_marks_overdue(run, workspace):
    for name in ("Acme", "Globex", "<script>alert(1)</script> Ltd"):
        assert run("new", name, "-p", "training-engagement", *INTAKE).exit_code == 0
    for step in ("discovery-session", "enter-opportunity", "review-solutions"):
        run("done", "acme", step)
    run("done", "acme", "enter-delivery-dates", "--set", "course_date=2026-03-10")
    target = workspace / "portfolio.html"
    result = run("report", "-o", str(target), "--as-of", "2026-03-12")
    assert result.exit_code == 0, result.output
    html = target.read_text()
    assert html.count('class="client timeline"') == 3
    overdue = [i for i in json.loads(run("due", "--json", "--as-of", "2026-03-12").output) if i["overdue"]]
    dated_overdue = json.loads(run("status", "acme", "--json", "--as-of", "2026-03-12").output)["steps"]
    expected_marks = sum(1 for s in dated_overdue if s["overdue"])
    assert expected_marks > 0
    timelines = html.split('<section id="timelines">', 1)[1]
    assert len(re.findall(r'class="mark overdue"', timelines)) == expected_marks
    assert html.count('<tr class="overdue">') == len(overdue)
    assert 'class="today"' in html
    assert "<script" not in html.replace("&lt;script&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ltd" in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)


def _acme_with_course(run, course="2026-03-24"):
    assert run("new", "Acme", "-p", "training-engagement", *INTAKE).exit_code == 0
    for step in ("discovery-session", "enter-opportunity", "review-solutions"):
        assert run("done", "acme", step).exit_code == 0
    facts = [f"course_date={course}", "course_time=9:00-12:00 ET", "meeting_link=https://zoom.example/j/1"]
    assert run("set", "acme", *facts).exit_code == 0


def _report(run, workspace, as_of="2026-03-12"):
    target = workspace / "report.html"
    result = run("report", "-o", str(target), "--as-of", as_of)
    assert result.exit_code == 0, result.output
    return target.read_text()


def test_the_title_is_the_workspace_name_not_the_folder(run, workspace):
    config = workspace / "onboard.toml"
    config.write_text(config.read_text().replace('name = "ws"', 'name = "Northwind Learning & Co"'))
    html = _report(run, workspace)
    assert "<h1>Northwind Learning &amp; Co</h1>" in html
    assert "<title>Northwind Learning &amp; Co – 2026-03-12</title>" in html
    assert "<h1>ws</h1>" not in html


def test_every_mark_is_numbered_and_listed_under_its_timeline_without_hover(run, workspace):
    _acme_with_course(run)
    html = _report(run, workspace)
    status = json.loads(run("status", "acme", "--json", "--as-of", "2026-03-12").output)["steps"]
    dated = [s for s in status if s["due"] and s["status"] in ("pending", "done")]
    numbers = [int(n) for n in re.findall(r'<text class="num [a-z]+" [^>]*>(\d+)</text>', html)]
    assert numbers == list(range(1, len(dated) + 1))
    items = re.findall(r'<li class="mark-item ([a-z]+)"><span class="badge \1">(\d+)</span>(.*?)</li>', html)
    assert [int(n) for _, n, _ in items] == numbers
    listed = {unescape(re.sub(r"<[^>]+>", "", text)).rsplit(" · ", 1)[1] for _, _, text in items}
    assert listed == {s["title"] for s in dated}
    overdue = [s for s in dated if s["overdue"]]
    assert overdue and [state for state, _, _ in items].count("overdue") == len(overdue)
    assert html.count('<span class="state overdue">overdue</span>') == len(overdue)
    assert "<title>" not in html.split("<body>", 1)[1], "nothing is labelled only on hover"
    assert 'id="legend"' in html


def test_the_course_and_the_playbooks_key_dates_are_marked(run, workspace):
    _acme_with_course(run)
    assert run("set", "acme", "course_end_date=2026-03-26").exit_code == 0
    assert run("new", "Bakery", "-p", "agency-onboarding", "--set", "hubspot_deal=B-1").exit_code == 0
    assert run("set", "bakery", "desired_start_date=2026-04-06").exit_code == 0
    html = _report(run, workspace)
    acme = html.split('id="client-acme"')[1].split('id="client-bakery"')[0]
    assert re.search(r'<line class="key" x1="[\d.]+"', acme)
    assert '<rect class="keyband"' in acme
    assert ">Course Tue 24 Mar</text>" in acme
    assert "Course: Tue 24 Mar to Thu 26 Mar · 9:00-12:00 ET · https://zoom.example/j/1</li>" in acme
    bakery = html.split('id="client-bakery"')[1]
    assert ">Desired start date Mon 6 Apr</text>" in bakery
    assert "Desired start date: Mon 6 Apr</li>" in bakery


def test_the_page_prints_one_client_per_block_in_black_and_white(run, workspace):
    _acme_with_course(run)
    html = _report(run, workspace)
    print_css = html.split("@media print", 1)[1].split("</style>", 1)[0]
    assert re.search(r"\.client \{[^}]*break-inside: avoid", print_css)
    assert "@page { size: landscape" in html
    assert '<path class="mark overdue"' in html and '<circle class="mark due"' in html
    assert '<circle class="mark overdue"' not in html, "overdue differs by shape, not only by colour"


def test_marks_closer_than_the_gap_go_on_separate_lanes():
    from hypothesis import given
    from hypothesis import strategies as st

    from onboard.outputs.report import MARK_GAP, pack_lanes

    assert pack_lanes([0, 5, 30, 31, 100], gap=20) == [0, 1, 0, 1, 0]

    @given(st.lists(st.floats(min_value=0, max_value=1000), max_size=40).map(sorted))
    def lanes_keep_their_distance(positions):
        lanes = pack_lanes(positions)
        for lane in set(lanes):
            xs = [x for x, n in zip(positions, lanes, strict=True) if n == lane]
            assert all(b - a >= MARK_GAP for a, b in pairwise(xs))
        assert max(lanes, default=-1) < len(positions)

    lanes_keep_their_distance()
