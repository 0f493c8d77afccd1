"""The N-party solver (sim.bargaining.concave, through Geometry) against a scipy reference.

The reference (tests/solver_reference.py) rewrites the kinks of linear loss and of soft
red lines as auxiliary variables and solves the smooth programme with SLSQP from several
starts: an independent method. Agreement is asked to 1e-6 in every party's utility.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solver_reference import Case

from sim.bargaining import Geometry, PartyShape, best_for, select_nash
from sim.bargaining.concave import Utilities, nash

TOL = 1e-6
unit = st.floats(0.0, 1.0).map(lambda v: round(v, 2))


@st.composite
def cases(draw, min_n=2, max_n=10, lines=False):
    n = draw(st.integers(min_n, max_n))
    k = draw(st.integers(1, 4))
    quadratic = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    ideal = np.array([[draw(unit) for _ in range(k)] for _ in range(n)])
    sal = np.array([[draw(st.floats(0.05, 1.0)) for _ in range(k)] for _ in range(n)])
    sal /= sal.sum(axis=1, keepdims=True)
    lower = np.array([draw(st.floats(0.0, 0.3)) for _ in range(k)])
    upper = np.array([draw(st.floats(0.7, 1.0)) for _ in range(k)])
    soft = []
    if lines:
        for i in range(n):
            if draw(st.booleans()):
                soft.append(
                    (
                        i,
                        draw(st.integers(0, k - 1)),
                        draw(st.sampled_from([1.0, -1.0])),
                        draw(unit),
                        draw(st.floats(0.0, 2.0)),
                    )
                )
    d = np.array([draw(st.floats(-0.2, 0.6)) for _ in range(n)])
    w = np.array([draw(st.floats(0.2, 1.0)) for _ in range(n)])
    return Case(ideal, sal, quadratic, lower, upper, soft), d, w


def geometry_of(case: Case, replicas: int = 1) -> Geometry:
    """The case as an ensemble of identical replicates."""
    parties = []
    for i in range(case.n):
        mine = [line for line in case.lines if line[0] == i]
        parties.append(
            PartyShape(
                ideal=np.tile(case.ideal[i], (replicas, 1)),
                salience=np.tile(case.salience[i], (replicas, 1)),
                quadratic=bool(case.quadratic[i]),
                line_issue=np.array([line[1] for line in mine], dtype=np.int64),
                line_sign=np.array([line[2] for line in mine], dtype=float),
                line_bound=np.tile([line[3] for line in mine], (replicas, 1)).reshape(replicas, -1),
                line_penalty=np.tile([line[4] for line in mine], (replicas, 1)).reshape(
                    replicas, -1
                ),
            )
        )
    lower = np.tile(case.lower, (replicas, 1))
    upper = np.tile(case.upper, (replicas, 1))
    return Geometry(parties, lower, upper)


def pick(case: Case, d, w, winset=None):
    g = geometry_of(case)
    rows = np.arange(1)
    return g, select_nash(g, d[None], w[None], winset, rows)


SETTINGS = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_nash(problem):
    case, d, w = problem
    _, p = pick(case, d, w)
    ours = case.utility(p.x[0])
    ref_x = case.nash(d, w)
    if ref_x is None:  # no package gives everyone a surplus: the max-min package
        assert p.rule[0] == 2
        _, ref_val = case.max_min(d)
        assert np.min(ours - d) == pytest.approx(ref_val, abs=TOL)
        return
    assert p.rule[0] == 1
    np.testing.assert_allclose(ours, case.utility(ref_x), atol=TOL)


@pytest.mark.parametrize("lines", [False, True], ids=["plain", "soft-red-lines"])
def test_nash_package_matches_reference(lines):
    given(cases(min_n=3, lines=lines))(SETTINGS(lambda problem: check_nash(problem)))()


@pytest.mark.slow
@pytest.mark.parametrize("lines", [False, True], ids=["plain", "soft-red-lines"])
def test_nash_package_matches_reference_many(lines):
    given(cases(min_n=3, lines=lines))(MANY(lambda problem: check_nash(problem)))()


@pytest.mark.parametrize("lines", [False, True], ids=["plain", "soft-red-lines"])
def test_nash_within_win_sets_matches_reference(lines):
    given(cases(min_n=3, max_n=6, lines=lines), st.data())(
        SETTINGS(lambda problem, data: check_within_win_sets(problem, data))
    )()


@pytest.mark.slow
@pytest.mark.parametrize("lines", [False, True], ids=["plain", "soft-red-lines"])
def test_nash_within_win_sets_matches_reference_many(lines):
    given(cases(min_n=3, max_n=6, lines=lines), st.data())(
        MANY(lambda problem, data: check_within_win_sets(problem, data))
    )()


def check_within_win_sets(problem, data):
    case, d, w = problem
    d = np.minimum(d, 0.2)
    # one or two parties' win-sets: half-spaces through random packages
    count = data.draw(st.integers(1, 2))
    who = data.draw(st.permutations(range(case.n)))[:count]
    coef, const = np.zeros((count, case.k)), np.zeros(count)
    coefs, consts = np.zeros((case.n, case.k)), np.ones(case.n)
    for c, party in enumerate(who):
        at = case.lower + (case.upper - case.lower) * data.draw(st.floats(0.2, 0.8))
        coef[c] = [data.draw(st.floats(-1.0, 1.0)) for _ in range(case.k)]
        const[c] = -coef[c] @ at
        coefs[party], consts[party] = coef[c], const[c]
    g = geometry_of(case)
    winset = np.einsum("njk,nik->nji", g.vertices, coefs[None]) + consts[None, None, :]
    p = select_nash(g, d[None], w[None], winset, np.arange(1))
    check_nash_within(case, d, w, coef, const, p)


def check_nash_within(case, d, w, coef, const, p):
    """coef (C, K), const (C,): the win-set constraints."""
    ref_x = case.nash(d, w, coef=coef, const=const)
    if ref_x is None:
        if p.rule[0] == 0:
            # the reference finds no package giving everyone a surplus where the max-min
            # value is at most 1e-9, the engine where it is at most 1e-12: in between,
            # win-sets that barely meet, both answers are right
            _, ref_val = case.max_min(d, coef=coef, const=const)
            assert ref_val > -1e-10
        return
    assert p.rule[0] == 0
    assert np.all(coef @ p.x[0] + const >= -1e-9)
    np.testing.assert_allclose(case.utility(p.x[0]), case.utility(ref_x), atol=TOL)


@SETTINGS
@given(cases(min_n=3, max_n=6), st.data())
def test_a_win_set_bound_passing_near_the_nash_package_does_not_push_it(problem, data):
    """A constraint's log barrier of weight tau pushes the package by up to sqrt(tau):
    the win-set's bound is put within 1e-7 to 1e-4 of the unconstrained Nash package, on
    either side, where that push is largest."""
    case, d, w = problem
    d = np.minimum(d, 0.2)
    _, free = pick(case, d, w)
    if free.rule[0] != 1:
        return
    coef = np.array([data.draw(st.floats(-1.0, 1.0)) for _ in range(case.k)])
    if np.max(np.abs(coef)) < 1e-3:
        return
    gap = data.draw(st.sampled_from([1.0, -1.0])) * 10 ** data.draw(st.floats(-7.0, -4.0))
    const = gap - coef @ free.x[0]
    who = data.draw(st.integers(0, case.n - 1))
    coefs = np.zeros((case.n, case.k))
    consts = np.ones(case.n)
    coefs[who], consts[who] = coef, const
    g = geometry_of(case)
    winset = np.einsum("njk,nik->nji", g.vertices, coefs[None]) + consts[None, None, :]
    p = select_nash(g, d[None], w[None], winset, np.arange(1))
    check_nash_within(case, d, w, coef[None], np.array([const]), p)


def test_a_win_set_of_values_near_1e_215_is_solved_without_a_division_by_zero():
    """The barrier's Hessian squares each constraint's value: win-set values of order
    1e-215 squared to zero (found by the win-set property test); they count as zero."""
    case = Case([[0.0], [1.0], [0.5]], [[1.0], [1.0], [1.0]], [False] * 3, [0.0], [1.0])
    g = geometry_of(case)
    coefs, consts = np.zeros((3, 1)), np.ones(3)
    coefs[0], consts[0] = -3.894572915996066e-215, 2.44774577e-215
    winset = np.einsum("njk,nik->nji", g.vertices, coefs[None]) + consts[None, None, :]
    d, w = np.zeros(3), np.ones(3)
    p = select_nash(g, d[None], w[None], winset, np.arange(1))  # warnings are errors here
    np.testing.assert_allclose(case.utility(p.x[0]), case.utility(case.nash(d, w)), atol=TOL)


@SETTINGS
@given(cases(min_n=3, max_n=8), st.data())
def test_best_for_meets_floors_and_matches_reference(problem, data):
    case, d, _ = problem
    proposer = data.draw(st.integers(0, case.n - 1))
    floors = np.minimum(d, 0.5)
    g = geometry_of(case)
    x, found = best_for(g, proposer, floors[None], np.arange(1))
    others = np.arange(case.n) != proposer
    mm_x, mm_val = case.max_min(floors, who=others)
    u = case.utility(x[0])
    if mm_val < -1e-6:
        assert not found[0]
        assert np.min((u - floors)[others]) == pytest.approx(mm_val, abs=TOL)
        return
    if mm_val > 1e-6:
        assert found[0]
    assert np.all((u - floors)[others] >= -1e-9)
    # nothing meeting the floors is better for the proposer: the reference's own optimum
    ref = case.best_for(proposer, floors)
    assert u[proposer] == pytest.approx(case.utility(ref)[proposer], abs=TOL)


def test_two_parties_keep_the_polyline():
    """Two parties never reach the concave solver: the exact frontier stays."""
    case = Case([[1.0], [0.0]], [[1.0], [1.0]], [False, False], [0.0], [1.0])
    g = geometry_of(case)
    assert g.segments and g.vertices.shape[1] >= 2
    p = select_nash(g, np.zeros((1, 2)), np.ones((1, 2)), None, np.arange(1))
    assert p.x[0, 0] == pytest.approx(0.5, abs=1e-12)


def test_three_party_linear_frontier_is_not_a_corner():
    """Three parties, one divisible good, linear utilities: equal-weight Nash with zero
    disagreement points splits the good in thirds (the lattice returned corners)."""
    # x_k is party k's share of the good on issue k; each wants its own share high
    ideal = np.eye(3)
    case = Case(ideal, np.full((3, 3), 1 / 3), [False] * 3, [0.0] * 3, [1.0] * 3)
    _, p = pick(case, np.zeros(3), np.ones(3))
    u = case.utility(p.x[0])
    np.testing.assert_allclose(u, case.utility(case.nash(np.zeros(3), np.ones(3))), atol=TOL)
    assert np.ptp(u) < 1e-6  # symmetric problem, symmetric solution


@SETTINGS
@given(cases(min_n=3, max_n=6), st.lists(st.floats(-0.1, 0.1), min_size=10, max_size=10))
def test_warm_start_from_last_round_reaches_the_same_package(problem, shift):
    """The model solves every round from the last round's package: the answer must not
    depend on where the search starts."""
    case, d, w = problem
    g = geometry_of(case)
    rows = np.arange(1)
    select_nash(g, d[None], w[None], None, rows)  # last round, other disagreement points
    d2 = d + np.array(shift[: case.n])
    warm = select_nash(g, d2[None], w[None], None, rows)
    cold = select_nash(geometry_of(case), d2[None], w[None], None, rows)
    assert warm.rule[0] == cold.rule[0]
    np.testing.assert_allclose(case.utility(warm.x[0]), case.utility(cold.x[0]), atol=TOL)


def test_a_cold_start_reaches_an_optimum_on_the_box_edge():
    """Six parties, three of them with their ideal at the box's lower edge of an issue: the
    projected full Newton step promised a loss there (the box cut it short), so the search
    stopped 0.01 in utility short of the Nash package, while a shorter step along the
    projection arc still gained (found by the warm-start property test)."""
    quarter = [0.25] * 4
    case = Case(
        [[0, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]],
        [
            quarter,
            quarter,
            [1 / 3, 1 / 6, 1 / 6, 1 / 3],
            quarter,
            quarter,
            [4 / 23, 3 / 23, 8 / 23, 8 / 23],
        ],
        [False] * 6,
        [0.0] * 4,
        [1.0] * 4,
    )
    d = np.array([0.0, 0.0, 0.65625, 0.0, 0.0, 0.59375])
    w = np.array([0.5, 0.5, 1.0, 1.0, 1.0, 1.0])
    cold = select_nash(geometry_of(case), d[None], w[None], None, np.arange(1))
    assert cold.rule[0] == 1
    np.testing.assert_allclose(case.utility(cold.x[0]), case.utility(case.nash(d, w)), atol=TOL)


def test_a_package_snapped_onto_a_soft_red_line_still_reaches_the_nash_package():
    """Seven parties, one with a soft red line at 0.96 on issue 0, where the Nash package
    lies. Snapped exactly onto the line, the coordinate saw the flat side's curvature (0),
    so every Newton step crossed the line, Armijo cut it to a crawl, and the search ended
    3e-4 short in utility (found by the property test above at a random seed)."""
    case = Case(
        [
            [0.0, 0.98, 0.38, 0.0],
            [0.57, 0.23, 0.32, 0.0],
            [0.0, 0.08, 0.25, 0.0],
            [1.0, 0.0, 0.15, 0.3],
            [0.99, 0.7, 0.0, 0.0],
            [0.35, 0.72, 0.0, 0.0],
            [1.0, 0.65, 0.98, 0.7],
        ],
        [
            [0.12155518555948953, 0.2092207909673027, 0.14538306832688858, 0.5238409551463191],
            [0.2257454246972419, 0.35298927569570493, 0.2922565854268979, 0.12900871418015533],
            [0.2709670651526454, 0.25969267460720336, 0.24335987211223706, 0.22598038812791427],
            [0.2719616724207448, 0.12900758317583338, 0.28533554731691946, 0.31369519708650234],
            [0.218872621027074, 0.26756268124018345, 0.26379756589879616, 0.24976713183394636],
            [0.1666933403393884, 0.2760080220237238, 0.23596303353381914, 0.3213356041030688],
            [0.25829728384366263, 0.26714079800993995, 0.2651842336164165, 0.2093776845299809],
        ],
        [True, False, False, False, True, True, False],
        [0.0] * 4,
        [0.99999, 0.7144539648988129, 0.7, 0.7],
        [(5, 0, 1.0, 0.0, 0.0), (6, 0, -1.0, 0.96, 0.39118822650871377)],
    )
    d = np.array(
        [0.2618673579837446, 0.0, 0.0, 0.2749413179330893, 0.0, -0.043428144574841954, 0.0]
    )
    w = np.array([0.6515313003207672, 1 / 3, 0.7941391237423026, 0.5426544687126105])
    w = np.concatenate([w, [0.6725738685019698, 0.9105439814317267, 0.6208506898261474]])
    check_nash((case, d, w))


def test_a_singular_newton_system_takes_the_pseudo_inverse_step_for_that_row_only():
    from sim.bargaining.concave import _newton_step

    a = np.stack([np.eye(2), np.zeros((2, 2)), 2 * np.eye(2)])
    g = np.array([[1.0, 2.0], [3.0, 4.0], [2.0, 2.0]])
    step = _newton_step(a, g)
    np.testing.assert_allclose(step, [[1.0, 2.0], [0.0, 0.0], [1.0, 1.0]])


RIVER_BASIN_IDEAL = [[0.2, 1.0, 0.4, 0.0], [0.6, 0.5, 1.0, 0.3], [1.0, 0.0, 1.0, 0.8]]
RIVER_BASIN_SALIENCE = [[0.3, 0.4, 0.1, 0.2], [0.25, 0.2, 0.4, 0.15], [0.45, 0.25, 0.1, 0.2]]
#: the scenario's five soft red lines: (party, issue, sign, bound)
RIVER_BASIN_LINES = [
    (0, 0, 1.0, 0.7),
    (0, 3, 1.0, 0.5),
    (1, 2, -1.0, 0.5),
    (2, 0, -1.0, 0.6),
    (2, 1, 1.0, 0.6),
]


def river_basin_round(penalty, d, coef2, const2, start, levels=None):
    """A mediator's round of the river basin as the model posed it (the lines' penalties,
    BATNAs, the second win-set, the Nash search's start and levels): the case, the
    engine's Nash package and the reference's, and the round's d, coef and const."""
    case = Case(
        RIVER_BASIN_IDEAL,
        RIVER_BASIN_SALIENCE,
        [False] * 3,
        [0.0] * 4,
        [1.0] * 4,
        [(*line, pen) for line, pen in zip(RIVER_BASIN_LINES, penalty, strict=True)],
    )
    d, w = np.array(d), np.ones(3)
    coef = np.array([[0.0, 0.0, 1.0, 0.0], coef2])
    const = np.array([0.5, const2])
    g = geometry_of(case)
    util = Utilities.of(g.parties, np.arange(1))
    more = {} if levels is None else {"levels": levels}
    x = nash(
        util, g.lower, g.upper, d[None], w[None], np.array([start]), coef[None], const[None], **more
    )
    return case, x[0], case.nash(d, w, coef=coef, const=const), d, coef, const


#: (penalties of the five soft red lines, d, win-set coef row 2, const row 2, start,
#: levels)
STALLED_ROUNDS = {
    "crossing the kink at 0.3": (
        [
            0.7387032784090439,
            0.29038306057754526,
            0.3444941018900737,
            1.4103153977660445,
            0.28593121863466536,
        ],
        [0.6640390746963741, 0.4387478087462029, -0.08931005275113088],
        [1.2055882042687667, -0.9000209396769498, 0.0, 0.5],
        -0.31587159139274973,
        [0.7, 0.84004741, 0.4, 0.5],
        None,
    ),
    "a coordinate closing on its bound": (
        [
            0.4446693522642995,
            0.3651021905248048,
            0.5201491252347148,
            1.2287351140601144,
            0.6021864407489868,
        ],
        [0.591760858097823, 0.44303110457896505, 0.1883537526689686],
        [2.0365574732768277, -0.8839029272784594, 0.0, 0.5],
        -0.3465865040259771,
        [0.6, 0.6, 1.0, 0.3],
        (1e-08, 1e-10),
    ),
    "steps cut to nothing beside a kink": (
        [
            0.9866407561662507,
            0.6351061648231847,
            0.44996992067702823,
            0.8160420594797643,
            0.33750067885032126,
        ],
        [0.8220053351961221, 0.1763158767531759, 0.169799809861507],
        [1.4636232925635246, -0.532188168707275, 0.0, 0.5],
        -0.11082022911685727,
        [0.6, 0.9792480795763592, 0.5580950810954556, 0.0],
        (1e-08, 1e-10),
    ),
    "crawling beside a kink 1.5e-4 away": (
        [
            0.457927314449992,
            0.5982566921570427,
            0.45283837032948454,
            0.5802790464612275,
            0.6743756120229947,
        ],
        [0.6523559938321741, 0.40243123608354153, -0.08039464182638488],
        [2.2869154004179073, -0.9925463935488518, 0.0, 0.5],
        -0.3664274125720385,
        [0.6002337976288583, 0.61800779863, 1.0, 0.0],
        (1e-08, 1e-10),
    ),
}


@pytest.mark.parametrize("round_", list(STALLED_ROUNDS))
def test_a_stalled_nash_search_is_restarted_until_it_converges(round_):
    """Three linear parties with soft red lines and two win-set constraints, from
    mediators' rounds of the river-basin scenario, where the Nash search stopped short
    (by 0.018, 0.075, 1.4e-4 and 0.16 in utility): its last level used every step crossing
    and recrossing a kink, or its line search cut the step to almost nothing while Newton
    still promised a gain. Restarted (as it is and on the kinks nearby, with more steps,
    trying the step to the first kink ahead) it reaches the reference's package."""
    case, x, ref_x, _, coef, const = river_basin_round(*STALLED_ROUNDS[round_])
    assert np.all(coef @ x + const >= -1e-9)
    np.testing.assert_allclose(case.utility(x), case.utility(ref_x), atol=TOL)


def test_a_nash_search_left_outside_its_barriers_by_a_narrower_smoothing_goes_back_inside():
    """A mediator's round of the river basin: the Nash search moved, at the coarsest
    smoothing, to a package that the exact utilities leave party 0 below its floor
    (smoothing raises utilities by up to half its width); at every narrower level each
    trial step was -inf and the search stopped there, 0.0015 below the floor. It now
    steps back towards its start and reaches the reference's package."""
    case, x, ref_x, d, _, _ = river_basin_round(
        [
            0.8664266695645144,
            0.47087648558769785,
            0.2376229188337023,
            1.766046324042057,
            0.35244349831640365,
        ],
        [0.7332977619703286, 0.3906557655079356, 0.2329419948511839],
        [1.3607591615232004, -0.9491468078402402, 0.0, 0.5],
        -0.2916699066423424,
        [0.7, 0.9590991263248616, 0.4, 0.5],  # the max-min package
    )
    assert np.all(case.utility(x) > d)
    np.testing.assert_allclose(case.utility(x), case.utility(ref_x), atol=TOL)
