"""Provenance: source quotes must occur in seeds/, up to whitespace and quote style; the
check cannot be fooled by short quotes, the working directory, links, scenario files
inside seeds/, or results written there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.loader import load_scenario, load_scenario_text
from sim.provenance import Quote, check_quotes, find_seeds_dir, normalize, seed_texts
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
        SCENARIO.replace("{quote}", '"the long-term fate of eastern Ukraine\'s territory"'),
        path=str(ROOT / "tests" / "x.yaml"),
    )
    assert [c.quote for c in s.citations] == ["the long-term fate of eastern Ukraine's territory"]


ALPHA = "alpha beta gamma delta epsilon"
OMEGA = "omega psi chi phi upsilon"


def test_list_of_quotes_and_nested_mappings(tmp_path):
    path = project(tmp_path, f"{ALPHA}. {OMEGA}.", f'["{ALPHA}", "{OMEGA}"]')
    text = path.read_text() + f"world:\n  front_line: {{issue: land, source: {OMEGA}}}\n"
    path.write_text(text)
    s = load_scenario(path)
    assert [(c.key_path, c.quote, c.line) for c in s.citations] == [
        ("actors.a", ALPHA, 9),
        ("actors.a", OMEGA, 9),
        ("world.front_line", OMEGA, 13),
    ]


def test_quote_inside_a_distribution(tmp_path):
    path = project(tmp_path, "the patient people wait a long time", '"patient people wait a long"')
    text = path.read_text().replace(
        "    source:",
        "    patience: {dist: uniform, low: 0.9, high: 1, source: the patient people wait}\n"
        "    source:",
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
    path = project(tmp_path, ALPHA, f'["{ALPHA}", "{OMEGA}"]')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key_path == "actors.a.source.1"
    assert (err.value.line, err.value.column) == (9, 48)


def test_readme_is_not_a_source(tmp_path):
    path = project(tmp_path, ALPHA, '"only in the readme file here"')
    (tmp_path / "seeds" / "README.md").write_text("only in the readme file here")
    with pytest.raises(ScenarioError, match="quote not found in seeds/"):
        load_scenario(path)


def test_seeds_found_by_walking_up(tmp_path):
    path = project(
        tmp_path, "a deep quote from far below", '"a deep quote from far"', where="a/b/c"
    )
    assert find_seeds_dir(path) == tmp_path / "seeds"
    assert find_seeds_dir(path.parent) == tmp_path / "seeds"
    assert load_scenario(path).citations[0].quote == "a deep quote from far"


def test_the_working_directory_is_never_a_source(tmp_path, monkeypatch):
    """Where a command is started from must not change what verifies."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    here = tmp_path / "here"
    (here / "seeds").mkdir(parents=True)
    (here / "seeds" / "t.txt").write_text("words found only in the cwd")
    monkeypatch.chdir(here)
    if find_seeds_dir(elsewhere) is not None:  # a seeds/ above the temporary folder
        pytest.skip("a seeds/ folder exists above the temporary folder")
    quote = Quote("x", "words found only in the cwd", str(elsewhere / "s.yaml"), 3, 5, "x.source")
    with pytest.raises(ScenarioError, match="no seeds/ folder found"):
        check_quotes([quote])


def test_an_explicit_seeds_folder(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "t.txt").write_text("a sentence kept in an explicit folder")
    quote = Quote("x", "kept in an explicit folder", str(tmp_path / "s.yaml"), 3, 5, "x.source")
    assert check_quotes([quote], seeds_dir=sources) == (
        Citation("x", "kept in an explicit folder", 3),
    )


def test_no_seeds_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    quote = Quote("x", "anything at all goes here", str(tmp_path / "s.yaml"), 3, 5, "x.source")
    if find_seeds_dir(tmp_path) is not None:  # a seeds/ above the temporary folder
        pytest.skip("a seeds/ folder exists above the temporary folder")
    with pytest.raises(ScenarioError) as err:
        check_quotes([quote])
    assert str(err.value) == (
        f"{tmp_path / 's.yaml'}:3:5: x.source: cannot check the quote: "
        'no seeds/ folder found (got "anything at all goes here")'
    )


def test_seed_files_are_reread_when_they_change(tmp_path):
    path = project(tmp_path, "the first version of it", '"the second version of it"')
    with pytest.raises(ScenarioError):
        load_scenario(path)
    article = tmp_path / "seeds" / "article.txt"
    article.write_text("the second version of it, longer")
    stat = article.stat()
    os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_scenario(path).citations[0].quote == "the second version of it"


@pytest.mark.parametrize("bad", ["42", "[]", '[""]', "{a: b}"])
def test_source_must_be_quotes(tmp_path, bad):
    path = project(tmp_path, "x", bad)
    with pytest.raises(ScenarioError, match=r"actors\.a\.source"):
        load_scenario(path)


# ---- the check cannot be fooled -------------------------------------------------------


@pytest.mark.parametrize(
    "short",
    ["a", "e", "the", "three short words", "a b c d e f g h", "supercalifragilistic-word"],
)
def test_a_quote_must_be_a_sentence_fragment(tmp_path, short):
    """One letter occurs in any text: a quote needs 20 characters and 4 words."""
    path = project(tmp_path, f"{short} and more of the article", f'"{short}"')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "quote too short to identify a source" in str(err.value)
    assert err.value.key_path == "actors.a.source"


def test_a_scenario_inside_seeds_does_not_verify_its_own_quotes(tmp_path):
    path = project(tmp_path, "unrelated article text here", '"a claim made up by the scenario"')
    inside = tmp_path / "seeds" / "s.yaml"
    inside.write_text(path.read_text())
    for scenario in (path, inside):
        with pytest.raises(ScenarioError, match="quote not found in seeds/"):
            load_scenario(scenario)


def test_links_never_leave_the_seeds_folder(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the private text of another file")
    path = project(tmp_path, "unrelated article text here", '"the private text of another"')
    (tmp_path / "seeds" / "link.txt").symlink_to(secret)
    with pytest.raises(ScenarioError, match="quote not found in seeds/"):
        load_scenario(path)
    assert all(name != "link.txt" for name, _ in seed_texts(tmp_path / "seeds"))


def test_a_linked_seeds_folder_is_refused(tmp_path):
    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "t.txt").write_text("the private text of another file")
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    (project_dir / "seeds").symlink_to(real)
    scenario = project_dir / "s.yaml"
    scenario.write_text(SCENARIO.replace("{quote}", '"the private text of another"'))
    with pytest.raises(ScenarioError, match="is a symbolic link"):
        load_scenario(scenario)


def test_pipes_and_devices_in_seeds_are_not_read(tmp_path):
    path = project(tmp_path, "unrelated article text here", '"unrelated article text here"')
    os.mkfifo(tmp_path / "seeds" / "pipe.txt")  # reading it would hang
    assert load_scenario(path).citations[0].quote == "unrelated article text here"


def test_negsim_never_writes_results_into_seeds(tmp_path, capsys):
    from sim.cli import main

    path = project(tmp_path, "unrelated article text here", '"unrelated article text here"')
    out = tmp_path / "seeds" / "made_up"
    assert main(["run", str(path), "--runs", "10", "--no-plots", "--quiet", "--out", str(out)]) == 2
    assert "never go inside a seeds/ folder" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "seeds").iterdir()) == ["article.txt"]


def test_seeds_option_names_the_folder_for_every_command(tmp_path, capsys):
    """``--seeds DIR`` finds quotes in a folder that is not above the scenario file; without
    it the same file fails (there is no seeds/ above it, and the working directory is
    never searched)."""
    from sim.cli import main
    from sim.provenance import use_seeds_dir

    path = project(
        tmp_path,
        "The delegations met on Tuesday in a quiet room.",
        "'met on Tuesday in a quiet room'",
    )
    elsewhere = tmp_path / "other" / "docs"
    elsewhere.parent.mkdir()
    (tmp_path / "seeds").rename(elsewhere)
    try:
        assert main(["validate", str(path)]) == 2
        assert "no seeds/ folder found" in capsys.readouterr().err
        assert main(["validate", "--seeds", str(elsewhere), str(path)]) == 0
    finally:
        use_seeds_dir(None)


# ---- judgement: a value marked as the author's, with its reason ----------------------

JUDGED = """\
rounds: 5
judgement: "a sketch of a labour dispute, no documents yet"
issues:
  wage: {zero: none, one: all}
actors:
  union:
    role: party
    ideal: {wage: 1}
    salience: {wage: 1}
    patience: 0.9
    judgement: "read from the union's public demands"
    batna: {dist: uniform, low: 0.1, high: 0.3, judgement: "a guess: a strike costs both"}
  firm: {role: party, ideal: {wage: 0}, salience: {wage: 1}, patience: 0.9}
protocol: {first_proposer: union, judgement: {bad}}
"""


def judged(tmp_path: Path, protocol_reason: str = '"the union opened the talks"') -> Path:
    path = tmp_path / "labour" / "dispute.yaml"
    path.parent.mkdir()
    path.write_text(JUDGED.replace("{bad}", protocol_reason), encoding="utf-8")
    return path


def test_judgement_marks_values_without_a_seeds_folder(tmp_path):
    """A scenario about anything can mark its values as judgement in the file itself:
    no seeds/ folder is needed, and each reason is kept with the mapping it covers."""
    from sim.scenario import Judgement

    sc = load_scenario(judged(tmp_path))
    assert sc.citations == ()
    assert sc.judgements == (
        Judgement("", "a sketch of a labour dispute, no documents yet"),
        Judgement("actors.union", "read from the union's public demands"),
        Judgement("actors.union.batna", "a guess: a strike costs both"),
        Judgement("protocol", "the union opened the talks"),
    )
    assert [j.line for j in sc.judgements] == [2, 11, 12, 14]


def test_show_lists_judgements_and_marks_what_they_cover(tmp_path):
    from sim.scenario_table import render

    text = render(load_scenario(judged(tmp_path)), width=120)
    rows = {line.split()[0]: line for line in text.splitlines() if line.startswith("  actors.")}
    assert rows["actors.union.ideal.wage"].rstrip().endswith("[J2]")
    assert rows["actors.union.batna"].rstrip().endswith("[J3]")  # the innermost mapping's
    assert "[J" not in rows["actors.firm.ideal.wage"]
    tail = text[text.index("Judgements:") :]
    assert "[J2] actors.union  (line 11)" in tail
    assert "read from the union's public demands" in tail
    assert "[J4] protocol" in tail and "the union opened the talks" in tail


def test_judgements_survive_a_dump_and_reload(tmp_path):
    from sim.loader import dump_scenario

    sc = load_scenario(judged(tmp_path))
    again = load_scenario_text(dump_scenario(sc))
    assert again == sc
    assert again.judgements == sc.judgements


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("42", "expected the reason for the judgement, as text (got 42)"),
        ('""', 'the reason is empty (got "")'),
        ("[a, b]", 'expected the reason for the judgement, as text (got ["a", "b"])'),
    ],
)
def test_a_judgement_needs_its_reason_in_words(tmp_path, capsys, bad, message):
    """Bad input is one line, FILE:LINE:COL: key.path: message, exit 2."""
    from sim.cli import main

    path = judged(tmp_path, bad)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"{path}:14:46: protocol.judgement: {message}"


def test_quotes_are_found_from_the_file_whatever_the_working_directory(tmp_path, monkeypatch):
    """The same file validates from any folder: seeds/ is looked up from the file."""
    path = project(
        tmp_path, "The talks resumed after a long pause.", "'resumed after a long pause'"
    )
    for where in (tmp_path, path.parent, tmp_path / "seeds"):
        monkeypatch.chdir(where)
        assert load_scenario(path).citations[0].quote == "resumed after a long pause"
