"""Spike trains, encoders and networks: numpy in and out, determinism, the command line."""

import json

import lsm
import numpy as np
import pytest
from conftest import SAMPLE, run_cli


def test_spike_trains_round_trip_through_numpy():
    ch = np.array([3, 0, 2, 0])
    t = np.array([4.0, 0.0, 1.0, 1.0])
    st = lsm.SpikeTrains.from_numpy(ch, t, n_channels=5, dt=0.5, duration=6.0)
    assert (st.n_channels, st.n_steps, st.n_spikes, st.dt) == (5, 12, 4, 0.5)
    c2, t2 = st.to_numpy()
    order = np.lexsort((ch, t))
    assert c2.tolist() == ch[order].tolist() and t2.tolist() == t[order].tolist()
    dense = st.to_dense()
    assert dense.shape == (12, 5) and dense.sum() == 4 and dense[8, 3] == 1
    coarse = st.to_dense(dt=2.0)  # 4 steps per bin
    assert coarse.shape == (3, 5) and coarse[0, 0] == 2 and coarse[2, 3] == 1
    assert lsm.SpikeTrains.from_numpy(c2, t2, n_channels=5, dt=0.5, duration=6.0) == st
    assert st.counts().tolist() == [2, 0, 1, 1, 0]


def test_spike_trains_refuse_bad_events():
    with pytest.raises(lsm.DataError, match="same length"):
        lsm.SpikeTrains.from_numpy([0, 1], [0.0])
    with pytest.raises(lsm.DataError, match=r"channels\[1\]"):
        lsm.SpikeTrains.from_numpy([0, -1], [0.0, 1.0])
    with pytest.raises(ValueError, match="past the end|step"):
        lsm.SpikeTrains.from_numpy([0], [10.0], duration=5.0)
    with pytest.raises(lsm.ConfigError, match="multiple"):
        lsm.SpikeTrains.from_numpy([0], [1.0], dt=1.0).to_dense(dt=1.5)


def test_encoders_take_float32_float64_and_any_layout():
    x = np.linspace(0, 1, 40).reshape(20, 2)
    cfg = {"kind": "rate", "process": "poisson", "max_rate_hz": 300}
    a = lsm.encode(x, cfg, seed=5)
    assert a == lsm.encode(x.astype(np.float32).astype(np.float64), cfg, seed=5)
    assert a == lsm.encode(np.asfortranarray(x), cfg, seed=5)
    assert a == lsm.encode(x.T.copy().T, cfg, seed=5)
    assert a != lsm.encode(x, cfg, seed=6)


def test_step_forward_encoding_follows_its_recurrence():
    # b = x[0]; x[k] > b + th: ON (channel 0), b += th; x[k] < b - th: OFF (channel 1), b -= th.
    x = np.cumsum(np.random.default_rng(0).normal(scale=0.04, size=300))
    th = 0.05
    want, b = [], x[0]
    for k in range(1, len(x)):
        if x[k] > b + th:
            want.append((k, 0))
            b += th
        elif x[k] < b - th:
            want.append((k, 1))
            b -= th
    st = lsm.encode(x, {"kind": "step_forward", "threshold": th})
    ch, t = st.to_numpy()
    assert st.n_channels == 2 and len(want) > 20
    assert sorted(zip(t.astype(int).tolist(), ch.tolist())) == want


def test_audio_front_end_on_a_file_and_on_samples_agree():
    wav = sorted(SAMPLE.glob("*.wav"))[0]
    spikes, feats = lsm.encode_audio(str(wav), seed=1)
    import wave

    with wave.open(str(wav)) as w:
        rate = w.getframerate()
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
    spikes2, feats2 = lsm.encode_audio(raw, sample_rate=rate, seed=1)
    assert spikes == spikes2
    assert np.array_equal(feats, feats2)
    assert feats.shape[0] > 0 and spikes.n_spikes > 0


def test_networks_simulate_deterministically_and_save_load(tmp_path):
    net = lsm.Network.generate({"n_neurons": 80}, n_inputs=3, seed=7)
    inp = lsm.encode(np.ones((200, 3)), {"kind": "rate", "max_rate_hz": 500})
    out = net.simulate(inp, seed=1)
    assert out.n_channels == 80 and out.n_steps == inp.n_steps and out.n_spikes > 0
    assert out == net.simulate(inp, seed=1)
    p = tmp_path / "net.json"
    net.save(p)
    back = lsm.Network.load(p)
    assert back.to_dict() == net.to_dict()
    assert back.simulate(inp, seed=1) == out
    assert lsm.Network.from_dict(net.to_dict()).simulate(inp, seed=1) == out


def one_lif(i_bias_na):
    empty = {"pre": [], "post": [], "weight": [], "delay_ms": []}
    return {
        "format": "lsm-network", "version": 1, "dt_ms": 0.1, "n_neurons": 1, "n_inputs": 1,
        "neuron": {
            "model": "lif", "tau_m_ms": [20.0], "r_mohm": [10.0], "v_rest_mv": [-70.0],
            "v_reset_mv": [-70.0], "v_th_mv": [-50.0], "t_ref_ms": [2.0],
            "i_bias_na": [i_bias_na], "synapse": "delta",
        },
        "recurrent": empty, "input": empty,
    }


def test_membrane_traces_follow_the_lif_closed_form():
    # One LIF neuron driven by a bias current below threshold:
    # v(t) = v_inf + (v(0) - v_inf) exp(-t / tau), v_inf = v_rest + R I (exact integration).
    net = lsm.Network.from_dict(one_lif(1.0))
    spikes, v = net.simulate(duration=50.0, record_v=True)
    assert spikes.n_spikes == 0 and v.shape == (500, 1)
    t = np.arange(500) * 0.1
    expected = -60.0 + (v[0, 0] + 60.0) * np.exp(-t / 20.0)
    assert np.allclose(v[:, 0], expected, rtol=0, atol=1e-9)


def test_a_suprathreshold_bias_fires_at_the_closed_form_period():
    # From reset -70 towards v_inf = -40 (R I = 30 mV), the threshold -50 is reached after
    # tau ln(30 / 10) ms, then the neuron is clamped for t_ref: one spike per period.
    net = lsm.Network.from_dict(one_lif(3.0))
    _, times = net.simulate(duration=1000.0).to_numpy()
    period = 20.0 * np.log(3.0) + 2.0
    isi = np.diff(times)
    # The crossing is seen at the end of a step, the clamp is whole steps: within 2 steps.
    assert np.all(np.abs(isi - period) <= 0.2 + 1e-9), (isi[:5], period)
    assert len(times) >= 40


def test_python_simulates_the_spikes_of_the_command_line(tmp_path, lsm_bin):
    net = lsm.Network.generate({"n_neurons": 60}, n_inputs=4, seed=3)
    net.save(tmp_path / "net.json")
    inp = lsm.encode(np.ones((300, 4)) * 0.8, {"kind": "rate", "process": "poisson"}, seed=2)
    ch, t = inp.to_numpy()
    with open(tmp_path / "in.csv", "w") as f:
        f.write("channel,time_ms\n")
        for c, tm in zip(ch, t):
            f.write(f"{int(c)},{float(tm)!r}\n")
    run_cli(
        lsm_bin, "simulate", "--network", tmp_path / "net.json", "--input", tmp_path / "in.csv",
        "--duration-ms", inp.duration, "--seed", 9, "--out", tmp_path / "out.csv", "--quiet",
    )
    rows = np.loadtxt(tmp_path / "out.csv", delimiter=",", skiprows=1, ndmin=2)
    py = net.simulate(inp, seed=9)
    pc, pt = py.to_numpy()
    assert rows.shape[0] == py.n_spikes
    assert np.array_equal(rows[:, 0].astype(int), pc) and np.allclose(rows[:, 1], pt)


def test_network_presets_by_name():
    anchor = lsm.Network.generate("anchor", n_neurons=200, seed=1)
    assert (anchor.n_neurons, anchor.n_inputs, anchor.dt) == (200, 200, 0.1)
    assert anchor.n_synapses == 200 * 100  # every neuron has exactly 100 outgoing synapses
    default = lsm.Network.generate("spoken-digits", n_inputs=4, seed=1)
    assert default.to_dict() == lsm.Network.generate(None, n_inputs=4, seed=1).to_dict()
    small = lsm.Network.generate('{"n_neurons": 30}', n_inputs=2, seed=1)
    assert small.n_neurons == 30
    with pytest.raises(lsm.ConfigError, match="unknown preset.*coba"):
        lsm.Network.generate("brunel3000")


def test_named_networks_of_the_literature():
    coba = lsm.Network.generate("coba", n_inputs=0, seed=3)
    assert (coba.n_neurons, coba.dt) == (4000, 0.1)
    spec = coba.to_dict()
    assert spec["neuron"]["synapse"] == "exp_conductance"
    assert set(spec["recurrent"]["weight"]) == {6.0, -67.0}
    column = lsm.Network.generate("maass2002", n_inputs=2, seed=1).to_dict()
    assert column["n_neurons"] == 135 and "stp" in column["recurrent"]


def test_presets_are_the_command_lines(tmp_path, lsm_bin):
    # The same presets as `lsm network generate --preset`: the same file for the same seed.
    out = tmp_path / "cuba.json"
    run_cli(lsm_bin, "network", "generate", "--preset", "cuba", "--n-inputs", "0", "--seed", 3,
            "--out", out, "--quiet")
    assert json.loads(out.read_text()) == lsm.Network.generate("cuba", n_inputs=0, seed=3).to_dict()
