"""10-key item sets and drill batches: data files, statistics, equivalence of the exam forms."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest

from skills_tests import tenkey_items as items_module
from skills_tests.tenkey_items import (
    CATEGORIES,
    CATEGORY_PATTERNS,
    DIGITS,
    EQUIVALENCE_TOLERANCE,
    EXAM_ITEMS,
    EXAM_MIX,
    MAX_STUBS,
    MIN_STUBS,
    DrillBatch,
    ItemSet,
    TenKeyItem,
    equivalence_table,
    exam_forms,
    format_drill_batch,
    format_item_set,
    forms_equivalence,
    generate_drill_batch,
    generate_item_set,
    get_drill_batch,
    get_item_set,
    item_stats,
    load_drill_batches,
    load_item_sets,
    parse_drill_batch,
    parse_item_set,
    practice_sets,
)


DOCS = Path(__file__).resolve().parents[2] / "docs"


def made_up(set_id: str, values: list[str], category: str = "check") -> ItemSet:
    return ItemSet(set_id, set_id, "exam", tuple(TenKeyItem(v, category) for v in values))


# --- item_stats ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "characters", "decimal_share", "lengths", "digits"),
    [
        # 6 + 10 + 5 = 21 characters; 1 of 3 with a point; digits 1,4,2,8,7 | 1,0,0,4,3,3,8,2,1,7 | 9,5,8,2,0
        pytest.param(
            ["142.87", "1004338217", "95820"], 21, 1 / 3, {6: 1 / 3, 10: 1 / 3, 5: 1 / 3},
            {"0": 3, "1": 3, "2": 3, "3": 2, "4": 2, "5": 1, "7": 2, "8": 3, "9": 1}, id="three-categories",
        ),
        pytest.param(["250.00", "75.00"], 11, 1.0, {6: 0.5, 5: 0.5}, {"0": 5, "2": 1, "5": 2, "7": 1}, id="deposits"),
        pytest.param(["1111"], 4, 0.0, {4: 1.0}, {"1": 4}, id="one-digit-only"),
    ],
)
def test_item_stats_counts(values, characters, decimal_share, lengths, digits):
    stats = item_stats(values)
    n_digits = sum(digits.values())
    assert stats.items == len(values)
    assert stats.characters == characters
    assert stats.mean_length == pytest.approx(characters / len(values))
    assert stats.decimal_share == pytest.approx(decimal_share)
    assert stats.length_shares == pytest.approx(lengths)
    assert stats.digit_shares == pytest.approx({d: digits.get(d, 0) / n_digits for d in DIGITS})
    assert list(stats.digit_shares) == list(DIGITS)


def test_item_stats_category_shares():
    stats = item_stats([TenKeyItem("142.87", "payment"), TenKeyItem("95820", "zip"), TenKeyItem("31.50", "payment")])
    assert stats.category_shares == pytest.approx(
        {"payment": 2 / 3, "account": 0.0, "meter": 0.0, "zip": 1 / 3, "check": 0.0, "deposit": 0.0}
    )


def test_item_stats_of_nothing_is_all_zeros():
    stats = item_stats([])
    assert (stats.items, stats.characters, stats.mean_length, stats.decimal_share) == (0, 0, 0.0, 0.0)
    assert set(stats.category_shares.values()) == {0.0}
    assert stats.length_shares == {}
    assert set(stats.digit_shares.values()) == {0.0}


def test_scalars_name_every_statistic():
    names = item_stats([TenKeyItem("142.87", "payment")]).scalars()
    assert list(names)[:4] == ["items", "characters", "mean length", "decimal share"]
    assert {f"category share {c}" for c in CATEGORIES} <= set(names)
    assert {f"digit share {d}" for d in DIGITS} <= set(names)
    assert "length share 6" in names


# --- forms_equivalence -----------------------------------------------------------------


def test_forms_equivalence_of_identical_sets_is_zero():
    a = made_up("a", ["1234", "5678"])
    spreads = forms_equivalence([a, made_up("b", ["1234", "5678"])])
    assert set(spreads.values()) == {0.0}


@pytest.mark.parametrize(
    ("first", "second", "statistic", "spread"),
    [
        # 4 vs 5 items of the same shape: 25 % more items
        pytest.param(["1234"] * 4, ["1234"] * 5, "items", 0.25, id="more-items"),
        # mean length 4 vs 6
        pytest.param(["1234"] * 4, ["123456"] * 4, "mean length", 0.5, id="longer-items"),
        # length 4 present in one set only: zero minimum -> infinite spread
        pytest.param(["1234"] * 4, ["123456"] * 4, "length share 4", math.inf, id="length-missing"),
        # the same lengths but all digits "1" against all "2"
        pytest.param(["1111"] * 4, ["2222"] * 4, "digit share 1", math.inf, id="other-digits"),
        # 4 of 10 against 5 of 10 with a point: 25 %
        pytest.param(
            ["12.34"] * 4 + ["12345"] * 6, ["12.34"] * 5 + ["12345"] * 5, "decimal share", 0.25, id="more-decimals"
        ),
    ],
)
def test_forms_equivalence_can_fail_on_made_up_sets(first, second, statistic, spread):
    spreads = forms_equivalence([made_up("first", first), made_up("second", second)])
    assert spreads[statistic] == pytest.approx(spread)
    assert max(spreads.values()) > EQUIVALENCE_TOLERANCE


def test_forms_equivalence_just_over_tolerance():
    # 10 items against 11 (10 % more) passes, 10 against 12 does not
    assert forms_equivalence([made_up("a", ["1234"] * 10), made_up("b", ["1234"] * 11)])["items"] == pytest.approx(0.1)
    spreads = forms_equivalence([made_up("a", ["1234"] * 10), made_up("b", ["1234"] * 12)])
    assert spreads["items"] > EQUIVALENCE_TOLERANCE


def test_forms_equivalence_needs_a_set():
    with pytest.raises(ValueError, match="at least one"):
        forms_equivalence([])


def test_equivalence_table_marks_a_statistic_out_of_tolerance():
    table = equivalence_table([made_up("short", ["1234"] * 4), made_up("long", ["123456"] * 4)])
    assert table.splitlines()[0] == "| Statistic | short | long | Spread | Within tolerance |"
    assert "| mean length | 4.00 | 6.00 | 50.0 % | NO |" in table


# --- the committed data ------------------------------------------------------------------


def test_exam_forms():
    forms = exam_forms()
    assert [f.id for f in forms] == ["tenkey-exam-a", "tenkey-exam-b", "tenkey-exam-c"]
    for form in forms:
        assert len(form.items) == EXAM_ITEMS == 400
        # about 2,470 characters: nobody runs out of items in 5 minutes, even at 25,000 KPH
        # (2,083 keystrokes), let alone a fast 15,000 KPH (1,250 keystrokes)
        assert form.stats.characters > 25000 * 5 / 60
        assert form.stats.category_shares == pytest.approx(EXAM_MIX)


def test_exam_forms_are_equivalent():
    spreads = forms_equivalence(exam_forms())
    too_far = {name: spread for name, spread in spreads.items() if spread > EQUIVALENCE_TOLERANCE}
    assert not too_far, f"exam forms differ by more than 10 %: {too_far}\n{equivalence_table()}"


def test_doc_table_is_current():
    table = equivalence_table()
    documented = [p.name for p in DOCS.glob("*.md") if table in p.read_text(encoding="utf-8")]
    assert documented, "paste the output of: python -m skills_tests.tenkey_items into the 10-key scoring page"


def test_exam_forms_are_different_items():
    keys = [form.keys for form in exam_forms()]
    assert len(set(keys)) == len(keys)
    # only a few numbers recur by chance (mostly round deposits such as 150.00)
    assert all(len(set(a) & set(b)) < 0.05 * len(a) for i, a in enumerate(keys) for b in keys[i + 1 :])


def test_practice_sets():
    sets = {s.id: s for s in practice_sets()}
    assert {"tenkey-practice-amounts", "tenkey-practice-accounts", "tenkey-practice-mixed"} <= set(sets)
    for item_set in sets.values():
        assert 60 <= len(item_set.items) <= 150, item_set.id
    assert {i.category for i in sets["tenkey-practice-amounts"].items} == {"payment", "deposit"}
    assert {i.category for i in sets["tenkey-practice-accounts"].items} == {"account"}
    assert {i.category for i in sets["tenkey-practice-mixed"].items} == set(CATEGORIES)


@pytest.mark.parametrize("item_set", load_item_sets(), ids=lambda s: s.id)
def test_every_item_is_keypad_only_and_fits_its_category(item_set):
    assert item_set.title
    for item in item_set.items:
        assert set(item.value) <= set("0123456789."), item
        assert CATEGORY_PATTERNS[item.category].fullmatch(item.value), item
        assert not item.value.startswith("0")
    assert item_set.keys == tuple(i.value for i in item_set.items)


def test_category_shapes_in_the_data():
    everything = [i for s in load_item_sets() for i in s.items]
    by_category = {c: [i.value for i in everything if i.category == c] for c in CATEGORIES}
    assert all(len(v) == 10 and v.isdigit() for v in by_category["account"])
    assert {len(v) for v in by_category["meter"]} == {5, 6}
    assert all(v.startswith("9") and int(v) <= 95999 for v in by_category["zip"])
    assert {len(v) for v in by_category["check"]} == {4, 5, 6}
    assert all(v.endswith(".00") for v in by_category["deposit"])
    assert all(len(v.split(".")[1]) == 2 for v in by_category["payment"])


def test_get_item_set_unknown_id_lists_valid_ids():
    assert get_item_set("tenkey-exam-b").kind == "exam"
    with pytest.raises(KeyError, match="tenkey-exam-a"):
        get_item_set("tenkey-exam-z")


def test_data_files_use_importlib_resources():
    directory = items_module.resources.files("skills_tests") / items_module.ITEM_DIR
    stems = sorted(e.name.removesuffix(".txt") for e in directory.iterdir() if e.name.endswith(".txt"))
    assert stems == sorted([s.id for s in load_item_sets()] + [b.id for b in load_drill_batches()])


# --- parsing item files ------------------------------------------------------------------

GOOD = "id: tenkey-test\ntitle: Test\nkind: practice\n\n142.87 payment\n95820 zip\n"


def test_parse_item_set_keeps_the_order_given():
    item_set = parse_item_set("tenkey-test", GOOD)
    assert item_set.keys == ("142.87", "95820")
    assert [i.category for i in item_set.items] == ["payment", "zip"]
    assert parse_item_set("tenkey-test", format_item_set(item_set)) == item_set


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param("title: T\nkind: exam\n\n1234 check\n", "expected header", id="no-id-line"),
        pytest.param("id: other\ntitle: T\nkind: exam\n\n1234 check\n", "id line says 'other'", id="id-mismatch"),
        pytest.param("id: bad\ntitle: T\nkind: quiz\n\n1234 check\n", "kind must be", id="bad-kind"),
        pytest.param("id: bad\ntitle: T\nkind: exam\n1234 check\n1234 check\n", "blank line", id="no-blank-line"),
        pytest.param("id: bad\ntitle: T\nkind: exam\n\n", "expected header", id="no-items"),
        pytest.param("id: bad\ntitle: T\nkind: exam\n\n1234\n", "line 5", id="no-category"),
        pytest.param("id: bad\ntitle: T\nkind: exam\n\n1234 phone\n", "unknown category", id="unknown-category"),
        pytest.param("id: bad\ntitle: T\nkind: exam\n\n12-34 check\n", "not on the keypad", id="hyphen"),
        pytest.param("id: bad\ntitle: T\nkind: exam\n\n$14.00 payment\n", "not on the keypad", id="dollar-sign"),
        pytest.param("id: bad\ntitle: T\nkind: exam\n\n142.8 payment\n", "not a valid payment", id="one-cent-digit"),
        pytest.param("id: bad\ntitle: T\nkind: exam\n\n12345 zip\n", "not a valid zip", id="zip-outside-california"),
        pytest.param("id: bad\ntitle: T\nkind: exam\n\n100433821 account\n", "not a valid account", id="short-account"),
        pytest.param("id: bad\ntitle: T\nkind: exam\n\n0123 check\n", "not a valid check", id="leading-zero"),
        pytest.param("id: bad\ntitle: T\nkind: exam\n\n1234 check\n\n", "line 6", id="blank-item-line"),
    ],
)
def test_parse_item_set_rejects(source, message):
    set_id = "other-name" if "id: other" in source else "bad"
    with pytest.raises(ValueError, match=message):
        parse_item_set(set_id, source)


# --- generation ------------------------------------------------------------------------------


def test_generate_item_set_is_deterministic_and_follows_the_mix():
    first = generate_item_set(7, 200, EXAM_MIX)
    assert first == generate_item_set(7, 200, EXAM_MIX)
    assert first != generate_item_set(8, 200, EXAM_MIX)
    assert item_stats(first).category_shares == pytest.approx(EXAM_MIX)
    assert item_stats(first).length_shares == item_stats(generate_item_set(8, 200, EXAM_MIX)).length_shares
    assert all(CATEGORY_PATTERNS[i.category].fullmatch(i.value) for i in first)


def test_generate_item_set_refuses_unknown_category():
    with pytest.raises(ValueError, match="unknown categories"):
        generate_item_set(1, 10, {"phone": 1.0})


# --- drill batches -------------------------------------------------------------------------


def test_drill_batches():
    batches = load_drill_batches()
    assert len(batches) >= 5
    assert any(b.balances_as_printed for b in batches)
    assert any(not b.balances_as_printed for b in batches)
    for batch in batches:
        assert MIN_STUBS <= len(batch.stubs) <= MAX_STUBS
        assert batch.control_total == sum(s.check_amount for s in batch.stubs)
        odd = [s for s in batch.stubs if s.discrepant]
        assert len(odd) <= 1
        assert batch.balances_as_printed is (not odd)
        assert batch.discrepant_stub == (odd[0] if odd else None)
        for stub in batch.stubs:
            assert stub.stub_amount.as_tuple().exponent == -2


def test_drill_discrepancies_are_transpositions_or_misreads():
    for batch in load_drill_batches():
        stub = batch.discrepant_stub
        if stub is None:
            continue
        printed = str(stub.stub_amount).replace(".", "")
        check = str(stub.check_amount).replace(".", "")
        assert len(printed) == len(check)
        differ = [i for i in range(len(check)) if printed[i] != check[i]]
        transposed = len(differ) == 2 and differ[1] == differ[0] + 1 and sorted(printed) == sorted(check)
        assert transposed or len(differ) == 1, (batch.id, stub)


def test_drill_specs_describe_the_committed_batches():
    specs = {spec.id: spec for spec in items_module.DRILL_SPECS}
    for batch in load_drill_batches():
        assert len(batch.stubs) == specs[batch.id].stubs
        assert (batch.discrepant_stub is None) is (specs[batch.id].discrepancy is None)


def test_get_drill_batch():
    assert get_drill_batch("tenkey-drill-01").id == "tenkey-drill-01"
    with pytest.raises(KeyError, match="tenkey-drill-01"):
        get_drill_batch("tenkey-drill-99")


DRILL_HEAD = "id: tenkey-drill-t\ntitle: T\nkind: practice\ncontrol_total: {total}\n\n"


def _drill_source(total: str, rows: list[str]) -> str:
    return DRILL_HEAD.format(total=total) + "\n".join(rows) + "\n"


def test_parse_drill_batch_round_trip():
    rows = [f"{n} 10.00 10.00" for n in range(1, 8)] + ["8 41.52 45.12"]
    batch = parse_drill_batch("tenkey-drill-t", _drill_source("115.12", rows))
    assert isinstance(batch, DrillBatch)
    assert batch.control_total == Decimal("115.12")
    assert batch.printed_total == Decimal("111.52")
    assert batch.discrepant_stub.number == 8
    assert parse_drill_batch("tenkey-drill-t", format_drill_batch(batch)) == batch


@pytest.mark.parametrize(
    ("total", "rows", "message"),
    [
        pytest.param("80.00", [f"{n} 10.00 10.00" for n in range(1, 8)], "7 stubs", id="too-few-stubs"),
        pytest.param("90.00", [f"{n} 10.00 10.00" for n in range(1, 9)], "not the sum", id="wrong-control-total"),
        pytest.param(
            "80.00", [f"{n} 10.00 10.00" for n in range(1, 7)] + ["7 11.00 10.00", "8 12.00 10.00"],
            "at most one", id="two-discrepancies",
        ),
        pytest.param("80.00", [f"{n} 10.00 10.00" for n in (1, 2, 3, 5, 6, 7, 8, 9)], "stub number 5", id="gap"),
        pytest.param("80.00", [f"{n} 10.0 10.00" for n in range(1, 9)], "dollars and cents", id="one-cent-digit"),
        pytest.param("80", [f"{n} 10.00 10.00" for n in range(1, 9)], "dollars and cents", id="bad-control-total"),
        pytest.param("80.00", [f"{n} 10.00" for n in range(1, 9)], "stub-number stub-amount", id="missing-column"),
    ],
)
def test_parse_drill_batch_rejects(total, rows, message):
    with pytest.raises(ValueError, match=message):
        parse_drill_batch("tenkey-drill-t", _drill_source(total, rows))


@pytest.mark.parametrize("discrepancy", [None, "transposition", "misread"])
@pytest.mark.parametrize("seed", range(20))
def test_generated_drills_have_exactly_the_discrepancy_asked_for(seed, discrepancy):
    batch = generate_drill_batch(seed, 12, discrepancy)
    odd = [s for s in batch.stubs if s.discrepant]
    assert len(odd) == (0 if discrepancy is None else 1)
    assert parse_drill_batch(batch.id, format_drill_batch(batch)) == batch
