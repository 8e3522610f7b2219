"""Tests of the command-and-control timeline (battle.c2) and its schema (scenario.c2_schema)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from shieldlab.battle.c2 import (
    C2Events,
    C2Network,
    all_pairs_latency_s,
    battlespace_lost_s,
    c2_from_section,
    default_network,
    generic_c2,
    kill_chain_delay,
    nominal_delay,
)
from shieldlab.scenario.c2_schema import C2Section

ONE_MS = 1e-3

# Hand network: S (sensor) — F (fusion) — C (command) — D (fire control), with a relay R
# offering a slower F→R→C detour. Nominal kill chain of a message from S to D:
#   detect    at S: 10                       = 10
#   report    S→F 1.5 + F 2                  =  3.5
#   track     at F: 3                        =  3
#   decide    F→C 0.5 + C 5                  =  5.5
#   authorize at C: 60                       = 60
#   launch    C→D 0.25 + D 4                 =  4.25
#                                      total = 86.25 s; launch stage departs at t + 82 s
NOMINAL_S = 86.25
NOMINAL_STAGES_S = [10.0, 3.5, 3.0, 5.5, 60.0, 4.25]


def hand_section(events: list[dict[str, Any]] | None = None, **links: Any) -> dict[str, Any]:
    link_list = [
        {"name": "sf", "src": "S", "dst": "F", "latency_s": 1.5},
        {"name": "fc", "src": "F", "dst": "C", "latency_s": 0.5},
        {"name": "cd", "src": "C", "dst": "D", "latency_s": 0.25},
        {"name": "fr", "src": "F", "dst": "R", "latency_s": 1.0},
        {"name": "rc", "src": "R", "dst": "C", "latency_s": 1.0},
    ]
    for lk in link_list:
        lk.update(links.get(lk["name"], {}))
    return {
        "nodes": [
            {"name": "S", "processing_s": {"detect": 10.0}},
            {"name": "F", "processing_s": {"report": 2.0, "track": 3.0}},
            {"name": "C", "processing_s": {"decide": 5.0, "authorize": 60.0}},
            {"name": "D", "processing_s": {"launch": 4.0}},
            {"name": "R"},
        ],
        "links": link_list,
        "kill_chain": {
            "detect": "sensor",
            "report": "F",
            "track": "F",
            "decide": "C",
            "authorize": "C",
            "launch": "shooter",
        },
        "events": events or [],
    }


def hand(events: list[dict[str, Any]] | None = None, **links: Any) -> tuple[C2Network, C2Events]:
    return c2_from_section(C2Section.model_validate(hand_section(events, **links)))


def run(
    events: list[dict[str, Any]] | None = None,
    t_s: Any = 0.0,
    rng: np.random.Generator | None = None,
    **kw: Any,
) -> Any:
    net, ev = hand(events)
    s, d = net.node_index(["S", "D"])
    return kill_chain_delay(net, ev, t_s, s, d, rng, **kw)


def test_delays_add_along_the_path() -> None:
    out = run()
    assert out.reachable.tolist() == [True]
    assert out.delay_s[0] == pytest.approx(NOMINAL_S, abs=ONE_MS)
    assert out.per_stage_s[0] == pytest.approx(NOMINAL_STAGES_S, abs=ONE_MS)
    net, _ = hand()
    nom = nominal_delay(net, net.node_index("S"), net.node_index("D"))
    assert nom.delay_s[0] == pytest.approx(NOMINAL_S, abs=ONE_MS)


def test_outage_reroutes_via_the_relay() -> None:
    out = run([{"kind": "outage", "target": "fc", "start_s": 0.0, "end_s": 1000.0}])
    # decide: F→R→C 2.0 s instead of 0.5 s
    assert out.per_stage_s[0, 3] == pytest.approx(7.0, abs=ONE_MS)
    assert out.delay_s[0] == pytest.approx(NOMINAL_S + 1.5, abs=ONE_MS)


def test_outage_without_detour_waits_until_restored() -> None:
    out = run([{"kind": "outage", "target": "sf", "start_s": 0.0, "end_s": 200.0}])
    # report departs S at 10 s, waits to 200 s: 190 s + 1.5 + 2
    assert out.per_stage_s[0, 1] == pytest.approx(193.5, abs=ONE_MS)
    assert out.delay_s[0] == pytest.approx(NOMINAL_S + 190.0, abs=ONE_MS)


@pytest.mark.parametrize(
    ("end_s", "max_wait_s"), [(None, np.inf), (200.0, 100.0)], ids=["permanent", "wait-capped"]
)
def test_outage_cuts(end_s: float | None, max_wait_s: float) -> None:
    ev = [{"kind": "outage", "target": "sf", "start_s": 0.0, "end_s": end_s}]
    out = run(ev, t_s=[0.0, 500.0], max_wait_s=max_wait_s)
    if end_s is None:
        assert out.reachable.tolist() == [False, False]
        cut = [0, 1]
    else:  # the message at 500 s comes after the restoration
        assert out.reachable.tolist() == [False, True]
        assert out.delay_s[1] == pytest.approx(NOMINAL_S, abs=ONE_MS)
        cut = [0]
    assert np.isinf(out.delay_s[cut]).all()
    assert np.isinf(out.per_stage_s[cut, 1]).all()  # cut at the report stage
    assert np.isnan(out.per_stage_s[cut, 2:]).all()
    assert out.per_stage_s[cut, 0] == pytest.approx(10.0)


def test_jamming_applies_only_inside_its_window() -> None:
    ev = [
        {"kind": "jamming", "target": "cd", "start_s": 100.0, "end_s": 200.0, "extra_latency_s": 3}
    ]
    # launch stage departs at t + 82: 82 (before), 132 (inside), 199.9 (inside), 200 (end, out)
    out = run(ev, t_s=[0.0, 50.0, 117.9, 118.0])
    extra = out.delay_s - NOMINAL_S
    assert extra == pytest.approx([0.0, 3.0, 3.0, 0.0], abs=ONE_MS)
    assert np.allclose(out.per_stage_s[:, :5], NOMINAL_STAGES_S[:5])


def test_cyber_multiplies_processing_at_the_node() -> None:
    ev = [{"kind": "cyber", "target": "C", "start_s": 0.0, "end_s": 1000.0, "delay_multiplier": 3}]
    out = run(ev)
    # decide 0.5 + 3·5, authorize 3·60
    assert out.per_stage_s[0, 3:5] == pytest.approx([15.5, 180.0], abs=ONE_MS)
    assert out.delay_s[0] == pytest.approx(NOMINAL_S + 10.0 + 120.0, abs=ONE_MS)


def test_per_stage_sums_to_delay_and_vectorised_equals_scalar_loop() -> None:
    fire = ("A", "B", "C")
    section = C2Section.model_validate(
        generic_c2(fire, ("geo",), ("uewr",))
        | {
            "events": [
                {"kind": "outage", "target": "opir-ground-station->space-command", "start_s": 20},
                {"kind": "jamming", "target": "radar-backup", "start_s": 0, "extra_latency_s": 4},
                {
                    "kind": "outage",
                    "target": "radar-station->space-command",
                    "start_s": 50,
                    "end_s": 90,
                },
                {
                    "kind": "cyber",
                    "target": "space-command",
                    "start_s": 30,
                    "end_s": 60,
                    "delay_multiplier": 2.5,
                },
            ]
        }
    )
    net, ev = c2_from_section(section)
    rng = np.random.default_rng(7)
    m = 64
    t = rng.uniform(0.0, 120.0, m)
    sens = rng.choice(net.node_index(["geo", "uewr"]), m)
    shoot = rng.choice(net.node_index(list(fire)), m)
    out = kill_chain_delay(net, ev, t, sens, shoot)
    assert out.reachable.all()
    assert out.per_stage_s.sum(axis=1) == pytest.approx(out.delay_s, abs=1e-9)
    for i in range(m):
        one = kill_chain_delay(net, ev, t[i], sens[i], shoot[i])
        assert one.delay_s[0] == out.delay_s[i]
        assert np.array_equal(one.per_stage_s[0], out.per_stage_s[i])


def test_generic_network_nominal_and_reroute() -> None:
    net = default_network(("gbi",), ir_sensors=("geo",), radars=("uewr",))
    nom = nominal_delay(net, net.node_index(["geo", "uewr"]), net.node_index("gbi"))
    # OPIR: 30 + (0.5 + 2) + 5 + (0.3 + 10) + 60 + (1 + 5); radar: detect 2 instead of 30
    assert nom.delay_s == pytest.approx([113.8, 85.8], abs=ONE_MS)
    section = C2Section.model_validate(
        generic_c2(("gbi",), ("geo",))
        | {
            "events": [
                {"kind": "outage", "target": "opir-ground-station->space-command", "start_s": 0}
            ]
        }
    )
    net, ev = c2_from_section(section)
    out = kill_chain_delay(net, ev, 0.0, net.node_index("geo"), net.node_index("gbi"))
    # report goes opir → combatant command (2.0) → space command (0.3) instead of 0.5
    assert out.delay_s[0] == pytest.approx(113.8 + 1.8, abs=ONE_MS)


def test_battlespace_lost_hand_worked() -> None:
    ev = [{"kind": "cyber", "target": "C", "start_s": 0.0, "end_s": 1000.0, "delay_multiplier": 3}]
    degraded = float(run(ev, t_s=100.0).delay_s[0])  # 216.25 s: 130 s over nominal
    t_s = 100.0
    latest = np.array([500.0, 300.0, 150.0, 300.0])
    delay = np.array([degraded, degraded, degraded, np.inf])
    out = battlespace_lost_s(t_s, latest, delay, NOMINAL_S)
    # nominal margins: 313.75, 113.75, -36.25 (already too late), 113.75
    assert out.lost_s == pytest.approx([130.0, 113.75, 0.0, 113.75], abs=ONE_MS)
    assert out.margin_s[:3] == pytest.approx([183.75, -16.25, -166.25], abs=ONE_MS)
    assert out.margin_s[3] == -np.inf
    assert out.denied.tolist() == [False, True, False, True]
    none = battlespace_lost_s(t_s, latest, NOMINAL_S, NOMINAL_S)
    assert (none.lost_s == 0.0).all()


def test_drop_probability_mean_wait_and_reproducibility() -> None:
    # S→F is the only way out of S; p = 0.5 per attempt, resend every 5 s:
    # mean wait = retry_s · p / (1 − p) = 5 s; sd of the mean of 4000 = 5·√(2/4000) ≈ 0.11 s
    ev = [{"kind": "jamming", "target": "sf", "start_s": 0.0, "drop_probability": 0.5}]
    m = 4000
    a = run(ev, t_s=np.zeros(m), rng=np.random.default_rng(1))
    b = run(ev, t_s=np.zeros(m), rng=np.random.default_rng(1))
    c = run(ev, t_s=np.zeros(m), rng=np.random.default_rng(2))
    assert np.array_equal(a.delay_s, b.delay_s)
    assert not np.array_equal(a.delay_s, c.delay_s)
    wait = a.per_stage_s[:, 1] - 3.5
    assert wait.mean() == pytest.approx(5.0, abs=0.5)
    assert np.allclose(wait / 5.0, np.round(wait / 5.0), atol=1e-9)
    assert (wait == 0.0).mean() == pytest.approx(0.5, abs=0.04)
    with pytest.raises(ValueError, match="rng"):
        run(ev)


def test_availability_reroutes_a_fraction() -> None:
    # fc up with probability 0.8: decide goes F→R→C (7.0 s instead of 5.5 s) 20 % of the time
    net, ev = hand(fc={"availability": 0.8})
    m = 4000
    out = kill_chain_delay(
        net, ev, np.zeros(m), net.node_index("S"), net.node_index("D"), np.random.default_rng(3)
    )
    detour = np.isclose(out.per_stage_s[:, 3], 7.0)
    assert (detour | np.isclose(out.per_stage_s[:, 3], 5.5)).all()
    assert detour.mean() == pytest.approx(0.2, abs=0.03)  # sd 0.0063


def test_batched_floyd_warshall_matches_scipy_dijkstra() -> None:
    rng = np.random.default_rng(11)
    n, n_links, k = 9, 20, 6
    src = rng.integers(0, n, n_links)
    dst = (src + rng.integers(1, n, n_links)) % n
    net = C2Network(
        node_names=tuple(str(i) for i in range(n)),
        processing_s=np.zeros((n, 6)),
        stage_node=np.zeros(6, dtype=np.int64),
        link_src=src,
        link_dst=dst,
        link_latency_s=np.ones(n_links),
        link_availability=np.ones(n_links),
        link_group=np.arange(n_links),
        group_names=tuple(str(i) for i in range(n_links)),
    )
    w = rng.uniform(0.1, 5.0, (k, n_links))
    w[rng.random((k, n_links)) < 0.3] = np.inf
    got = all_pairs_latency_s(net, w)
    for r in range(k):
        dense = np.full((n, n), np.inf)
        np.minimum.at(dense, (src, dst), w[r])
        up = np.isfinite(dense)
        graph = csr_matrix((dense[up], np.nonzero(up)), shape=(n, n))
        assert np.allclose(got[r], dijkstra(graph, directed=True), equal_nan=False)


def test_bad_inputs() -> None:
    net, ev = hand()
    with pytest.raises(ValueError, match="shooter_node"):
        kill_chain_delay(net, ev, 0.0, 0, 9)
    with pytest.raises(ValueError, match="t_s"):
        kill_chain_delay(net, ev, np.nan, 0, 3)
    with pytest.raises(ValueError, match="neither"):
        net.node_index("nowhere")


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"links": [{"src": "S", "dst": "X", "latency_s": 1}]}, "links.0.dst"),
        ({"kill_chain": {"detect": "sensor"}}, "missing report"),
        ({"events": [{"kind": "outage", "target": "nope", "start_s": 0}]}, "events.0.target"),
        (
            {"events": [{"kind": "cyber", "target": "sf", "start_s": 0, "delay_multiplier": 2}]},
            "not a node",
        ),
        (
            {"events": [{"kind": "outage", "target": "sf", "start_s": 0, "extra_latency_s": 2}]},
            "outage",
        ),
        (
            {
                "events": [
                    {
                        "kind": "jamming",
                        "target": "sf",
                        "start_s": 5,
                        "end_s": 5,
                        "extra_latency_s": 2,
                    }
                ]
            },
            "end_s",
        ),
        (
            {"events": [{"kind": "jamming", "target": "sf", "start_s": 0, "drop_probability": 1}]},
            "drop_probability",
        ),
        ({"nodes": [{"name": "sensor"}]}, "reserved"),
    ],
)
def test_schema_rejects(patch: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        C2Section.model_validate(hand_section() | patch)
