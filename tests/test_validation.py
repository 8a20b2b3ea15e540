"""Bad input raises ValueError naming the parameter and its allowed range."""

import pytest

import hebblab as hl
from hebblab import si
from hebblab.plasticity import BinaryBurst, PairSTDP, Scatter, TripletSTDP, TwoStateStochastic


@pytest.mark.parametrize("make, match", [
    (lambda: hl.Network(dt=0.0), r"dt must be > 0"),
    (lambda: hl.Network(dt=-1e-4), r"dt must be > 0"),
    (lambda: hl.Network(dt=1e-4, seed=-1), r"seed must be an integer >= 0"),
    (lambda: hl.Network(dt=1e-4, backend="gpu"), r"backend must be one of"),
    (lambda: hl.LIF(n=1, tau_m=-1e-3), r"tau_m must be > 0"),
    (lambda: hl.LIF(n=1, tau_e=0.0), r"tau_e must be > 0"),
    (lambda: hl.LIF(n=0), r"n must be an integer >= 1"),
    (lambda: hl.LIF(n=1, v_thresh=-80 * si.mV), r"v_thresh must be > v_reset"),
    (lambda: hl.LIF(n=1, synapse="alpha"), r"synapse must be one of 'current', 'conductance'"),
    (lambda: hl.LIF(n=1, t_ref=-1.0), r"t_ref must be >= 0"),
    (lambda: hl.IF(n=1, leak=1.5), r"leak must be in \[0, 1\]"),
    (lambda: hl.IF(n=1, threshold=0), r"threshold must be > 0"),
    (lambda: hl.PoissonSource(n=2, rate=-1.0), r"rate must be >= 0"),
    (lambda: hl.PoissonSource(n=2, rate=[1.0, 2.0, 3.0]), r"rate must be a scalar or an array of length 2"),
    (lambda: hl.SpikeSource(n=1, times=[0.1, 0.2], indices=[0]), r"times and indices must have the same length"),
    (lambda: hl.SpikeSource(n=1, times=[-0.1], indices=[0]), r"times must be finite and >= 0"),
    (lambda: hl.SpikeSource(n=2, times=[0.1], indices=[2]), r"indices must be integers in \[0, 1\]"),
    (lambda: hl.BurstSource(n=1, spikes_per_burst=0), r"spikes_per_burst must be an integer >= 1"),
    (lambda: PairSTDP(tau_plus=-16.8e-3), r"tau_plus must be > 0"),
    (lambda: PairSTDP(tau_minus=0.0), r"tau_minus must be > 0"),
    (lambda: PairSTDP(a_plus=-0.1), r"a_plus must be >= 0"),
    (lambda: PairSTDP(mu=2.0), r"mu must be in \[0, 1\]"),
    (lambda: PairSTDP(pairing="nearest"), r"pairing must be one of 'all-to-all', 'nearest-symmetric', 'nearest-pre-centred'"),
    (lambda: PairSTDP(noise="pairing"), r"noise must be None, a Scatter"),
    (lambda: Scatter(kind="trial"), r"kind must be one of 'pairing', 'synapse'"),
    (lambda: Scatter(sigma_plus=-1.0), r"sigma_plus must be >= 0"),
    (lambda: TripletSTDP(tau_y=0.0), r"tau_y must be > 0"),
    (lambda: BinaryBurst(theta=1.2), r"theta must be in \(0, 1\)"),
    (lambda: BinaryBurst(sign=0), r"sign must be \+1 or -1"),
    (lambda: TwoStateStochastic(q=1.5), r"q must be in \[0, 1\]"),
    (lambda: hl.FixedProbability(1.2), r"p must be in \[0, 1\]"),
    (lambda: hl.Uniform(1.0, 0.0), r"high must be >= low"),
])
def test_constructor_rejects_bad_input(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def net_with_two():
    net = hl.Network(dt=1e-4, seed=0)
    a = net.add(hl.PoissonSource(n=3, rate=5.0))
    b = net.add(hl.LIF(n=2))
    return net, a, b


def test_plastic_weight_outside_rule_bounds():
    net, a, b = net_with_two()
    with pytest.raises(ValueError, match=r"w must be in \[0, 0.5\] for PairSTDP"):
        net.connect(a, b, rule=PairSTDP(w_max=0.5), w=0.7)
    with pytest.raises(ValueError, match=r"w must be in \[0, 1\] for BinaryBurst"):
        net.connect(a, b, rule=BinaryBurst(), w=-0.1)


def test_fixed_weights_may_be_negative():
    net, a, b = net_with_two()
    proj = net.connect(a, b, w=-1.0)
    assert (proj.w == -1.0).all()


def test_connect_errors():
    net, a, b = net_with_two()
    with pytest.raises(ValueError, match="one_to_one"):
        net.connect(a, b, connectivity="one_to_one")
    with pytest.raises(ValueError, match="connectivity must be one of"):
        net.connect(a, b, connectivity="random")
    with pytest.raises(ValueError, match=r"w must be a scalar, a distribution or an array of length 6"):
        net.connect(a, b, w=[0.1, 0.2])
    with pytest.raises(ValueError, match="delay must be >= 0"):
        net.connect(a, b, delay=-1e-3)
    with pytest.raises(ValueError, match=r"post indices must be integers in \[0, 1\]"):
        net.connect(a, b, connectivity=([0], [5]))
    other = hl.Network(dt=1e-4).add(hl.LIF(n=1))
    with pytest.raises(ValueError, match="post must be a population added to this network"):
        net.connect(a, other)


def test_poisson_rate_above_one_per_step_is_refused():
    net = hl.Network(dt=1e-3)
    with pytest.raises(ValueError, match=r"rate must be <= 1/dt = 1000 Hz"):
        net.add(hl.PoissonSource(n=1, rate=2000.0))


def test_monitor_errors():
    net, a, b = net_with_two()
    with pytest.raises(ValueError, match="'u' is not a state variable of LIF"):
        net.monitor(b, "u")
    with pytest.raises(ValueError, match="every must be > 0"):
        net.monitor(b, "v", every=0.0)


def test_run_errors():
    net, a, b = net_with_two()
    with pytest.raises(ValueError, match="duration must be >= 0"):
        net.run(-1.0)


def test_a_network_that_cannot_fit_is_refused_before_allocating():
    net = hl.Network(dt=1e-4)
    big = net.add(hl.LIF(n=1_000_000))
    with pytest.raises(ValueError, match=r"connect: 1e\+12 synapses .* needs about .* GiB; this machine has"):
        net.connect(big, big, rule=PairSTDP(), w=0.1)


def test_monitor_samples_that_cannot_fit_are_refused(monkeypatch):
    monkeypatch.setenv("HEBBLAB_MEMORY_LIMIT", str(10 * 2**20))  # pretend 10 MiB
    net = hl.Network(dt=1e-4)
    pop = net.add(hl.LIF(n=1000))
    net.monitor(pop, "v")
    with pytest.raises(ValueError, match=r"state monitors' samples needs about"):
        net.run(10.0)
    assert net.step == 0


def test_network_index_and_threads_errors():
    with pytest.raises(ValueError, match="index must be one of"):
        hl.Network(dt=1e-4, index="sparse")
    with pytest.raises(ValueError, match="threads must be an integer >= 1"):
        hl.Network(dt=1e-4, threads=1.5)
