"""`salesmesh plan FILE`, run as the real console script in a subprocess.

Every run has DJANGO_SETTINGS_MODULE unset, SALESMESH_DATA_DIR pointing
where no directory can be created, and a poisoned ``django`` package first on
the path: if the command touched Django (or its settings, or the database
behind them) it would fail, so a passing run proves it needs none of them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from salesmesh.core.i18n import Message
from salesmesh.planfile.cli import main
from salesmesh.planfile.render_tree import INFEASIBLE, PARADIGM_LABELS
from salesmesh.planfile.report import PlanReport, ReportNode, ReportTable
from salesmesh.planfile.translation import translator

SALESMESH = Path(sys.executable).with_name("salesmesh")
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
TIMEOUT = 60  # seconds; a run takes about one, this only stops a hang
# Runs are subprocesses that mostly wait on imports: run them side by side.
WORKERS = max(2, os.cpu_count() or 2)

# Locale and terminal variables that would change the output under test.
SCRUBBED = {
    "DJANGO_SETTINGS_MODULE",
    "LANGUAGE",
    "LC_ALL",
    "LC_MESSAGES",
    "LANG",
    "FORCE_COLOR",
    "NO_COLOR",
    "TTY_COMPATIBLE",
    "COLUMNS",
    "PYTHONPATH",
    "SALESMESH_DEBUG",
}

needs_examples = pytest.mark.skipif(not EXAMPLES, reason="examples/*.yaml not written yet")
examples = pytest.mark.parametrize(
    "example",
    EXAMPLES or [pytest.param(None, marks=needs_examples)],
    ids=lambda path: path.stem if path else "none",
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("cli-env")
    poison = root / "poison" / "django"
    poison.mkdir(parents=True)
    (poison / "__init__.py").write_text(
        'raise ImportError("salesmesh plan must not import Django")\n', encoding="utf-8"
    )
    blocker = root / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    environ = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    environ.update(
        PYTHONPATH=str(poison.parent),
        # A data directory that cannot be created: settings would fail on it.
        SALESMESH_DATA_DIR=str(blocker / "data"),
        LANG="C.UTF-8",
        COLUMNS="200",
    )
    return environ


def plan(
    env: dict[str, str], *args: str | Path, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run `salesmesh plan ARGS`; stdout, stderr and the exit status."""
    result = subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(SALESMESH), "plan", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**env, **extra_env},
        timeout=TIMEOUT,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "\x1b[" not in result.stdout, "piped output must carry no colour codes"
    return result


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workbooks")


@pytest.fixture(scope="module")
def runs(env, workbooks) -> dict[tuple[str, str], subprocess.CompletedProcess[str]]:
    """Every example run once per way the tests look at it, all started together."""
    jobs: dict[tuple[str, str], tuple[list[str | Path], dict[str, str]]] = {}
    for example in EXAMPLES:
        name = example.stem
        # Each run checks several things, so the examples cost three runs each.
        jobs[name, "tree"] = ([example, "--xlsx", workbooks / f"{name}.xlsx"], {})
        jobs[name, "json"] = ([example, "--json"], {})
        jobs[name, "zh-strict"] = ([example, "--lang", "zh-hans", "--strict"], {})
    if EXAMPLES:
        first = EXAMPLES[0]
        jobs["first", "zh-locale"] = ([first], {"LANG": "zh_CN.UTF-8"})
        jobs["first", "en-over-locale"] = ([first, "--lang", "en"], {"LANG": "zh_CN.UTF-8"})
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {
            key: pool.submit(plan, env, *args, **extra) for key, (args, extra) in jobs.items()
        }
        return {key: future.result() for key, future in futures.items()}


def plan_json(runs, example: Path) -> dict[str, Any]:
    result = runs[example.stem, "json"]
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


# --- no plan needed -------------------------------------------------------------


def test_the_poison_works(env):
    """The guard itself: with this environment, importing Django fails."""
    result = subprocess.run(
        [sys.executable, "-c", "import django"],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode != 0
    assert "must not import Django" in result.stderr


def test_help(env):
    result = plan(env, "--help")
    assert result.returncode == 0
    assert "salesmesh plan" in result.stdout
    for option in ("FILE", "--json", "--xlsx", "--lang", "--strict", "Exit status"):
        assert option in result.stdout


def test_missing_file_is_one_clear_line(env, tmp_path):
    result = plan(env, tmp_path / "nope.yaml")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"cannot read {tmp_path / 'nope.yaml'}: no such file"]


def test_a_directory_is_not_a_plan_file(env, tmp_path):
    result = plan(env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"cannot read {tmp_path}: is a directory, not a file"]


def test_unreadable_file(tmp_path, monkeypatch, capsys):
    # Root (as in CI) reads any file whatever its mode, so the refusal is simulated.
    path = tmp_path / "secret.yaml"
    path.write_text("name: x\n", encoding="utf-8")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert main([str(path), "--lang", "en"]) == 2
    assert capsys.readouterr().err.splitlines() == [f"cannot read {path}: Permission denied"]


def test_unknown_language_is_a_usage_error(env, tmp_path):
    result = plan(env, tmp_path / "x.yaml", "--lang", "fr")
    assert result.returncode == 2
    assert "usage: salesmesh plan" in result.stderr
    assert "fr" in result.stderr


def test_no_file_is_a_usage_error(env):
    result = plan(env)
    assert result.returncode == 2
    assert "usage: salesmesh plan" in result.stderr


# --- the worked examples ----------------------------------------------------------


@examples
def test_example_prints_its_tree(runs, example):
    result = runs[example.stem, "tree"]
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == plan_json(runs, example)["name"]
    assert "Paradigm:" in lines[1]
    assert "└── " in result.stdout


@examples
def test_json_has_the_tree_and_every_table(runs, example):
    document = plan_json(runs, example)
    assert document["paradigm"] in PARADIGM_LABELS
    assert document["tree"]["label"]
    assert document["tree"]["children"], "the decomposition has more than a root"
    assert isinstance(document["tables"], dict)
    assert document["tables"], "every paradigm reports at least one table"
    assert isinstance(document["feasible"], bool)
    # The tree on the terminal and the tree in the JSON are the same tree.
    assert document["tree"]["label"] in runs[example.stem, "tree"].stdout


@needs_examples
def test_the_examples_cover_every_paradigm(runs):
    assert {plan_json(runs, example)["paradigm"] for example in EXAMPLES} == set(PARADIGM_LABELS)


@examples
def test_xlsx_writes_a_readable_workbook(runs, workbooks, example):
    document = plan_json(runs, example)
    out = workbooks / f"{example.stem}.xlsx"
    # The tree first, then where the workbook went.
    assert runs[example.stem, "tree"].stdout.splitlines()[-1] == f"Workbook written to {out}"
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Summary", *document["tables"]]
    assert workbook["Summary"]["A1"].value.lstrip("'") == document["name"]
    for key, table in document["tables"].items():
        header = [cell.value for cell in workbook[key][1]]
        assert [text.lstrip("'") for text in header] == table["columns"]
        assert workbook[key].max_row == max(1, len(table["rows"]) + 1)


def without_workbook_note(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    return lines[:-1] if lines and lines[-1].startswith("Workbook written to") else lines


@examples
def test_language_changes_the_output(runs, example):
    english, chinese = runs[example.stem, "tree"], runs[example.stem, "zh-strict"]
    assert without_workbook_note(english.stdout) != chinese.stdout.splitlines()
    label = PARADIGM_LABELS[plan_json(runs, example)["paradigm"]]
    chinese_label = translator("zh-hans")(label)
    assert chinese_label != label, "the paradigm names are in the shipped catalog"
    assert label in english.stdout.splitlines()[1]
    assert chinese_label in chinese.stdout.splitlines()[1]


@needs_examples
def test_language_comes_from_the_environment_and_lang_wins(runs):
    first = EXAMPLES[0].stem
    assert runs["first", "zh-locale"].stdout == runs[first, "zh-strict"].stdout
    english = runs["first", "en-over-locale"].stdout.splitlines()
    assert english == without_workbook_note(runs[first, "tree"].stdout)


@examples
def test_infeasible_plan_exits_0_but_says_so_and_strict_exits_1(runs, example):
    feasible = plan_json(runs, example)["feasible"]
    shown, strict = runs[example.stem, "tree"], runs[example.stem, "zh-strict"]
    assert shown.returncode == 0
    assert (INFEASIBLE in shown.stdout.splitlines()[1]) is (not feasible)
    assert strict.returncode == (0 if feasible else 1)


# --- invalid files ---------------------------------------------------------------------

PROBLEM_LINE = re.compile(r"^[A-Za-z_][\w.\[\]]*: .+ \(line \d+\)$")


@needs_examples
def test_an_invalid_file_lists_every_problem_with_its_path(env, runs, tmp_path):
    source = next((e for e in EXAMPLES if plan_json(runs, e)["paradigm"] == "probability"), None)
    if source is None:
        pytest.skip("no probability example yet")
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    section = document["probability"]
    section["funnel"]["stages"][1]["conversion"] = 1.4
    section["yields"]["reach_rate"] = -1
    section["products"][0]["price"] = "a lot"
    section["yeilds"] = {}  # a typo'd key
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = plan(env, broken)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    paths = {line.split(": ", 1)[0] for line in lines}
    assert {
        "probability.funnel.stages[1].conversion",
        "probability.yields.reach_rate",
        "probability.products[0].price",
        "probability.yeilds",
    } <= paths
    assert all(PROBLEM_LINE.match(line) for line in lines), lines


@pytest.mark.skipif(
    importlib.util.find_spec("salesmesh.planfile.loader") is None,
    reason="salesmesh.planfile.loader not written yet",
)
def test_broken_yaml_is_one_line_without_a_traceback(env, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("paradigm: probability\ntarget: [1, 2\nname: x\n", encoding="utf-8")
    result = plan(env, broken)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(str(broken))


# --- in process, with a stand-in loader and runner ----------------------------------
# These pin the command's own behaviour (problem listing, exit codes, output
# routing) independently of the real schema and planners.


class FakePlanFileError(ValueError):
    """Stands in for loader.PlanFileError: every problem with its path."""

    def __init__(self, problems: list[tuple[str, Message]]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def fake_report(feasible: bool) -> PlanReport:
    return PlanReport(
        paradigm="probability",
        name="Fake plan",
        period_label="FY2027",
        tree=ReportNode(
            label=Message("Revenue target"),
            value=Decimal("1000.00"),
            children=(ReportNode(label=Message("Customers"), value=10),),
        ),
        tables=(
            ReportTable(
                key="reps",
                title=Message("Reps"),
                columns=(Message("Name"), Message("Calls")),
                rows=(("Li Lei", 12),),
                kinds=("text", "int"),
            ),
        ),
        fixes=() if feasible else (Message("Add %(n)s reps", {"n": 2}),),
        feasible=feasible,
    )


@pytest.fixture
def fake_planfile(monkeypatch):
    """Loader and runner stand-ins; a file's text picks what they do."""
    loader = types.ModuleType("salesmesh.planfile.loader")
    runner = types.ModuleType("salesmesh.planfile.runner")

    def load_plan(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        if text.startswith("invalid"):
            raise FakePlanFileError(
                [
                    ("target.amount", Message("must be positive")),
                    ("funnel.stages[2].conversion", Message("must be in (0, 1]")),
                    ("reps[0].name", Message("is required")),
                ]
            )
        return text

    def run_plan(document: str) -> PlanReport:
        if document.startswith("cyclic"):
            error = ValueError("cycle")
            error.problems = [("projects[0].milestones", Message("dependencies form a cycle"))]  # type: ignore[attr-defined]
            raise error
        if document.startswith("bug"):
            raise KeyError("oops")
        return fake_report(feasible=not document.startswith("infeasible"))

    loader.PlanFileError = FakePlanFileError  # type: ignore[attr-defined]
    loader.load_plan = load_plan  # type: ignore[attr-defined]
    runner.run_plan = run_plan  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "salesmesh.planfile.loader", loader)
    monkeypatch.setitem(sys.modules, "salesmesh.planfile.runner", runner)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "SALESMESH_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.usefixtures("fake_planfile")
def test_every_problem_is_listed_with_its_path_and_exit_2(tmp_path, capsys):
    assert main([str(write(tmp_path, "invalid"))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "target.amount: must be positive",
        "funnel.stages[2].conversion: must be in (0, 1]",
        "reps[0].name: is required",
    ]


@pytest.mark.usefixtures("fake_planfile")
def test_problems_are_translated(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        "salesmesh.planfile.cli.translator",
        lambda lang: lambda t: {"must be positive": "必须为正数"}.get(t, t),
    )
    assert main([str(write(tmp_path, "invalid")), "--lang", "zh-hans"]) == 2
    assert "target.amount: 必须为正数" in capsys.readouterr().err.splitlines()


@pytest.mark.usefixtures("fake_planfile")
def test_a_planners_domain_error_is_listed_too(tmp_path, capsys):
    assert main([str(write(tmp_path, "cyclic"))]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "projects[0].milestones: dependencies form a cycle"
    ]


@pytest.mark.usefixtures("fake_planfile")
def test_a_bug_is_one_line_and_exit_70(tmp_path, capsys):
    assert main([str(write(tmp_path, "bug"))]) == 70
    err = capsys.readouterr().err
    assert err.splitlines() == ["internal error, please report it: KeyError: 'oops'"]


@pytest.mark.usefixtures("fake_planfile")
def test_tree_json_and_workbook_in_process(tmp_path, capsys):
    path = write(tmp_path, "ok")
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Fake plan"
    assert "✓ Feasible" in out
    assert "└── Customers: 10" in out

    assert main([str(path), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["tree"]["value"] == "1000.00"
    assert document["tables"]["reps"]["rows"] == [["Li Lei", 12]]

    out_path = tmp_path / "out.xlsx"
    assert main([str(path), "--xlsx", str(out_path)]) == 0
    assert f"Workbook written to {out_path}" in capsys.readouterr().out
    assert openpyxl.load_workbook(out_path).sheetnames == ["Summary", "reps"]


@pytest.mark.usefixtures("fake_planfile")
def test_infeasible_is_exit_0_unless_strict(tmp_path, capsys):
    path = write(tmp_path, "infeasible")
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "✗ Infeasible" in out
    assert "Fixes\n└── Add 2 reps" in out
    assert main([str(path), "--strict"]) == 1
    assert main([str(write(tmp_path, "ok")), "--strict"]) == 0


@pytest.mark.usefixtures("fake_planfile")
def test_an_unwritable_workbook_is_one_clear_line_and_exit_2(tmp_path, capsys):
    out = tmp_path / "no-such-dir" / "plan.xlsx"
    assert main([str(write(tmp_path, "ok")), "--xlsx", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [f"cannot write {out}: no such file"]


@pytest.mark.usefixtures("fake_planfile")
def test_json_with_xlsx_keeps_stdout_pure_json(tmp_path, capsys):
    out = tmp_path / "plan.xlsx"
    assert main([str(write(tmp_path, "ok")), "--json", "--xlsx", str(out)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["name"] == "Fake plan"
    assert captured.err == f"Workbook written to {out}\n"


@pytest.mark.usefixtures("fake_planfile")
def test_salesmesh_debug_shows_the_traceback_of_a_bug(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESMESH_DEBUG", "1")
    with pytest.raises(KeyError, match="oops"):
        main([str(write(tmp_path, "bug"))])
