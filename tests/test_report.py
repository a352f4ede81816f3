import json
import re

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
    assert len(re.findall(r'class="mark overdue"', html)) == expected_marks
    assert html.count('<tr class="overdue">') == len(overdue)
    assert 'class="today"' in html
    assert "<script" not in html.replace("&lt;script&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ltd" in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)
