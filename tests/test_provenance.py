"""Provenance: source quotes must occur in seeds/, up to whitespace and quote style."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.loader import load_scenario, load_scenario_text
from sim.provenance import Quote, check_quotes, find_seeds_dir, normalize
from sim.scenario import Citation

ROOT = Path(__file__).resolve().parents[1]

SCENARIO = """\
rounds: 5
issues:
  land: {zero: none, one: all}
actors:
  a:
    role: party
    ideal: {land: 0}
    salience: {land: 1}
    source: {quote}
  b: {role: party, ideal: {land: 1}, salience: {land: 1}}
protocol: {first_proposer: a}
"""


def project(tmp_path: Path, seed_text: str, scenario_source: str, where: str = "scenarios") -> Path:
    """A project folder with seeds/article.txt and a scenario one level down."""
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "article.txt").write_text(seed_text, encoding="utf-8")
    folder = tmp_path / where
    folder.mkdir(parents=True)
    path = folder / "s.yaml"
    path.write_text(SCENARIO.replace("{quote}", scenario_source), encoding="utf-8")
    return path


def test_normalize_whitespace_and_quotes():
    assert normalize("  a\n\tb  c ") == "a b c"
    assert normalize("Ukraine’s ‘x’ “y” ′z″") == "Ukraine's 'x' \"y\" 'z\""


def test_straight_quotes_match_curly_article(tmp_path):
    path = project(
        tmp_path,
        "He said: “We will not  sign\na deal.” It’s over.",
        "'\"We will not sign a deal.\" It''s over.'",
    )
    s = load_scenario(path)
    assert s.citations == (Citation("actors.a", '"We will not sign a deal." It\'s over.', 9),)


def test_quote_in_the_real_article():
    s = load_scenario_text(
        SCENARIO.replace("{quote}", '"eastern Ukraine\'s territory"'),
        path=str(ROOT / "tests" / "x.yaml"),
    )
    assert [c.quote for c in s.citations] == ["eastern Ukraine's territory"]


def test_list_of_quotes_and_nested_mappings(tmp_path):
    path = project(tmp_path, "alpha beta. gamma delta.", '["alpha beta", "gamma delta"]')
    text = path.read_text() + "world:\n  front_line: {issue: land, source: gamma}\n"
    path.write_text(text)
    s = load_scenario(path)
    assert [(c.key_path, c.quote, c.line) for c in s.citations] == [
        ("actors.a", "alpha beta", 9),
        ("actors.a", "gamma delta", 9),
        ("world.front_line", "gamma", 13),
    ]


def test_quote_inside_a_distribution(tmp_path):
    path = project(tmp_path, "patient people", '"patient people"')
    text = path.read_text().replace(
        "    source:",
        "    patience: {dist: uniform, low: 0.9, high: 1, source: patient}\n    source:",
    )
    path.write_text(text)
    s = load_scenario(path)
    assert [c.key_path for c in s.citations] == ["actors.a", "actors.a.patience"]


def test_quote_not_found(tmp_path):
    path = project(tmp_path, "nothing relevant", '"a quote that is not there"')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value) == (
        f'{path}:9:13: actors.a.source: quote not found in seeds/ (got "a quote that is not there")'
    )


def test_second_quote_of_a_list_not_found(tmp_path):
    path = project(tmp_path, "alpha", '["alpha", "omega"]')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key_path == "actors.a.source.1"
    assert (err.value.line, err.value.column) == (9, 23)


def test_readme_is_not_a_source(tmp_path):
    path = project(tmp_path, "alpha", '"only in the readme"')
    (tmp_path / "seeds" / "README.md").write_text("only in the readme")
    with pytest.raises(ScenarioError, match="quote not found in seeds/"):
        load_scenario(path)


def test_seeds_found_by_walking_up(tmp_path):
    path = project(tmp_path, "deep quote", '"deep quote"', where="a/b/c")
    assert find_seeds_dir(path) == tmp_path / "seeds"
    assert find_seeds_dir(path.parent) == tmp_path / "seeds"
    assert load_scenario(path).citations[0].quote == "deep quote"


def test_seeds_fall_back_to_working_directory(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    here = tmp_path / "here"
    (here / "seeds").mkdir(parents=True)
    (here / "seeds" / "t.txt").write_text("from the cwd")
    monkeypatch.chdir(here)
    assert find_seeds_dir(elsewhere) == here / "seeds"
    quote = Quote("x", "from the cwd", str(elsewhere / "s.yaml"), 3, 5, "x.source")
    assert check_quotes([quote]) == (Citation("x", "from the cwd", 3),)


def test_no_seeds_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    quote = Quote("x", "anything", str(tmp_path / "s.yaml"), 3, 5, "x.source")
    if find_seeds_dir(tmp_path) is not None:  # a seeds/ above the temporary folder
        pytest.skip("a seeds/ folder exists above the temporary folder")
    with pytest.raises(ScenarioError) as err:
        check_quotes([quote])
    assert str(err.value) == (
        f"{tmp_path / 's.yaml'}:3:5: x.source: cannot check the quote: "
        'no seeds/ folder found (got "anything")'
    )


def test_seed_files_are_reread_when_they_change(tmp_path):
    path = project(tmp_path, "first version", '"second version"')
    with pytest.raises(ScenarioError):
        load_scenario(path)
    article = tmp_path / "seeds" / "article.txt"
    article.write_text("second version, longer")
    stat = article.stat()
    os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_scenario(path).citations[0].quote == "second version"


@pytest.mark.parametrize("bad", ["42", "[]", '[""]', "{a: b}"])
def test_source_must_be_quotes(tmp_path, bad):
    path = project(tmp_path, "x", bad)
    with pytest.raises(ScenarioError, match=r"actors\.a\.source"):
        load_scenario(path)
