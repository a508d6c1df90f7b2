"""Generated hostile inputs (hypothesis) against the readers of issue 31: posteriors and
draws, observed files, checksum lists, comparison files and optimization journals. Each
either reads or raises the project's InputError, and a message never shows a planted
secret (``SECRET``) from a file that is not of the kind expected."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adoptsim.calibration.observed import read_observed
from adoptsim.errors import InputError
from adoptsim.files import confined, inside, number_table
from adoptsim.optimize.folder import check_journal
from adoptsim.runs import folders
from adoptsim.runs.compare import DEFAULT_RANK_BY, METRICS
from adoptsim.runs.draws import read_posterior
from tests.test_yaml_input import EXAMPLES

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
cells = st.one_of(
    st.sampled_from(["0.1", "-1", "nan", "inf", "1e999", "", "SECRET-x", "1_0", "0x1", " 2 "]),
    st.text(max_size=8),
)
rows = st.lists(st.lists(cells, min_size=1, max_size=4), min_size=0, max_size=6)


def csv_text(header: list[str], body: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in [header, *body]) + "\n"


@SETTINGS
@given(
    st.lists(st.sampled_from(["behavior.w_social", "weight", "distance", "SECRET"]), max_size=4),
    rows,
)
def test_any_posterior_reads_or_is_refused_without_quoting_a_cell(tmp_path, header, body):
    path = tmp_path / "posterior.csv"
    path.write_text(csv_text(header, body), encoding="utf-8", errors="surrogatepass")
    try:
        post, weights = read_posterior(path)
    except InputError as exc:
        assert "SECRET" not in str(exc)
        return
    assert len(post) == len(weights) and abs(weights.sum() - 1) < 1e-9 and (weights >= 0).all()


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_as_a_table_of_numbers(data):
    text = data.decode("utf-8", errors="replace")
    with contextlib.suppress(InputError):
        header, body = number_table(text, "t.csv")
        assert all(len(r) == len(header) for r in body)


@SETTINGS
@given(
    st.lists(st.sampled_from(["week", "active_share", "active", "department", "x"]), max_size=4),
    rows,
)
def test_any_observed_file_reads_or_is_refused(tmp_path, header, body):
    path = tmp_path / "observed.csv"
    path.write_text(csv_text(header, body), encoding="utf-8", errors="surrogatepass")
    try:
        read_observed(path, 100, 20, {"Sales": 50, "HR": 50})
    except InputError as exc:
        if "week" not in header:
            assert "SECRET" not in str(exc)


entries = st.one_of(
    st.sampled_from(["../x", "/etc/passwd", "a/../../x", "", "curves.csv", "charts/../../x"]),
    st.text(max_size=20),
)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["0" * 64, "z" * 64, "0"]), entries), max_size=4))
def test_any_checksum_list_is_checked_inside_its_folder(tmp_path, lines):
    folder = tmp_path / "r"
    folder.mkdir(exist_ok=True)
    (tmp_path / "x").write_text("outside")
    text = "".join(f"{d}  {name}\n" for d, name in lines)
    (folder / folders.CHECKSUMS).write_text(text, encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(InputError):
        folders.verify(folder)
        assert not lines


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@SETTINGS
@given(st.one_of(json_values, st.fixed_dictionaries({"plans": json_values})))
def test_any_comparison_file_reads_or_is_refused(tmp_path, info):
    path = tmp_path / "comparison.json"
    path.write_text(json.dumps(info))
    with contextlib.suppress(InputError):
        plans, rank_by = folders.read_comparison(path, METRICS, DEFAULT_RANK_BY)
        assert all(isinstance(n, str) and isinstance(f, str) for n, f in plans)
        assert rank_by in METRICS


@SETTINGS
@given(st.lists(st.one_of(json_values, st.text(max_size=20)), max_size=4))
def test_any_journal_line_is_an_operation_or_is_named(tmp_path, lines):
    path = tmp_path / "journal.log"
    text = "".join(
        (line if isinstance(line, str) else json.dumps(line)).replace("\n", " ") + "\n"
        for line in lines
    )
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(InputError):
        check_journal(path)


@SETTINGS
@given(entries)
def test_a_confined_path_never_leaves_its_folder(tmp_path, name):
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    with contextlib.suppress(InputError):
        assert inside(confined(root, name), root)


def test_a_link_inside_the_folder_that_points_out_is_refused(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "out").symlink_to(tmp_path)
    with pytest.raises(InputError, match="symbolic link"):
        confined(root, "out/x")
    assert confined(root, "a/b.csv") == Path(root / "a" / "b.csv")
