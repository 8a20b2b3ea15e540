"""The reference backend: the step order of ``network.py`` written out in plain numpy and Python.

It is the executable specification that the compiled backend is tested against: populations
update through each model's independent ``reference_update`` (vectorized numpy), and synapses are
visited one by one in Python calling the rules' kernel pieces as plain Python functions
(``.py_func``). It is slow; use it on small networks.
"""

from __future__ import annotations

import importlib

import numpy as np

from ..contract import ContractError, hooks, read_rows, scalar_weight
from ..poisson_input import reference_apply


def _py(fn):
    return getattr(fn, "py_func", fn)


def _read_only(S, rows) -> tuple:
    """The rows a rule reads, as a tuple of views that refuse writes (the contract's read access)."""
    out = []
    for r in rows:
        view = S[r].view()
        view.flags.writeable = False
        out.append(view)
    return tuple(out)


def run(net, t_start: int, t_stop: int, progress: bool = False) -> None:
    try:
        _run(net, t_start, t_stop)
    except ValueError as exc:
        if "read-only" not in str(exc):
            raise
        reading = [type(j.rule).__name__ for j in net.projections
                   if j.rule is not None and (j.rule.reads_pre or j.rule.reads_post)]
        raise ContractError(f"rule {' or '.join(dict.fromkeys(reading)) or '?'}: a kernel piece wrote to a neuron "
                            f"variable the rule may only read (reads_pre / reads_post) ({exc})") from exc


def _run(net, t_start: int, t_stop: int) -> None:
    models = [importlib.import_module(p.model.kernel_module) for p in net.populations]
    rules = []
    for j in net.projections:
        if j.rule is None:
            rules.append(None)
            continue
        mod = importlib.import_module(j.rule.kernel_module)
        tx = getattr(mod, "transmit", None)
        has_step, has_syn_step = hooks(mod)
        rows_pre, rows_post = read_rows(j.rule, j.pre.model, j.post.model)
        vpre, vpost = _read_only(j.pre.S, rows_pre), _read_only(j.post.S, rows_post)
        rules.append(dict(syn_pre=_py(mod.syn_pre), syn_post=_py(mod.syn_post), pre_spike=_py(mod.pre_spike),
                          post_spike=_py(mod.post_spike), transmit=_py(tx) if tx is not None else None,
                          post_step=_py(mod.post_step) if has_step else None,
                          syn_step=_py(mod.syn_step) if has_syn_step else None,
                          # the trailing arguments: vpre and/or vpost where the rule reads that side
                          both=((vpre,) if rows_pre else ()) + ((vpost,) if rows_post else ()),
                          pre=(vpre,) if rows_pre else (), post=(vpost,) if rows_post else ()))
    injections = [net.injection_arrays(p) for p in net.populations]
    seed = net.seed
    syns = [j.syn if j.syn.shape[1] else None for j in net.projections]
    pre_index = [j.pre_index for j in net.projections]
    for t in range(t_start, t_stop):
        # 0. state monitors sample the state at time t
        for m in net.state_monitors:
            if t >= m.first and (t - m.first) % m.every == 0:
                k = (t - m.first) // m.every
                src = m.target.w if m.is_weight else m.target.S[m.row]
                m.buffer[k] = src[m.indices]
        # 1. injections due now, in order
        for pop, (steps, idx, rows, vals, add) in zip(net.populations, injections):
            for e in np.flatnonzero(steps == t):
                if add[e]:
                    pop.S[rows[e], idx[e]] += vals[e]
                else:
                    pop.S[rows[e], idx[e]] = vals[e]
        # 2. populations
        spikes = []
        for pop, mod in zip(net.populations, models):
            spikes.append(np.asarray(mod.reference_update(t, pop.S, pop.I, pop.E, pop.C, pop.P), dtype=np.int64))
        # 3. Poisson drives in the order they were made, then queue, deliver, pre-synaptic plasticity
        for d in net.poisson_inputs:
            reference_apply(t, d.pop.S, d, seed)
        for proj, rule in zip(net.projections, rules):
            slots = proj.queue_n.shape[0]
            slot = (t + proj.delay_steps) % slots
            sp = spikes[proj.pre.index]
            proj.queue[slot, :sp.size] = sp
            proj.queue_n[slot] = sp.size
            here = t % slots
            post_model = proj.post.model
            row_e, row_i = post_model.input_rows
            S_post = proj.post.S
            for j in proj.queue[here, :proj.queue_n[here]]:
                for s in range(proj.indptr[j], proj.indptr[j + 1]):
                    i = proj.post_index[s]
                    x = proj.w[s]
                    if rule is not None and rule["transmit"] is not None:
                        x = rule["transmit"](proj.w[s], proj.P)
                    if post_model.input_mode is None:
                        pass
                    elif post_model.input_mode == "split" and x < 0:
                        S_post[row_i, i] -= x
                    else:
                        S_post[row_e, i] += x
                    if rule is not None:
                        proj.w[s] = scalar_weight(proj.rule, "syn_pre", rule["syn_pre"](
                            t, s, i, j, float(proj.w[s]), syns[proj.index], proj.pre_vars, proj.post_vars, proj.P,
                            seed, proj.stream, *rule["both"]))
                if rule is not None:
                    rule["pre_spike"](t, j, proj.pre_vars, proj.P, *rule["pre"])
        # 4. post-synaptic plasticity
        for proj, rule in zip(net.projections, rules):
            if rule is None:
                continue
            pre_of = pre_index[proj.index]
            for i in spikes[proj.post.index]:
                for s in proj.post_syn[proj.post_ptr[i]:proj.post_ptr[i + 1]]:
                    proj.w[s] = scalar_weight(proj.rule, "syn_post", rule["syn_post"](
                        t, s, i, pre_of[s], float(proj.w[s]), syns[proj.index], proj.pre_vars, proj.post_vars,
                        proj.P, seed, proj.stream, *rule["both"]))
                rule["post_spike"](t, i, proj.post_vars, proj.P, *rule["post"])
        # 4b. per-step hooks: post_step for every post neuron; syn_step onto those it selects
        for proj, rule in zip(net.projections, rules):
            if rule is None or rule["post_step"] is None:
                continue
            pre_of = pre_index[proj.index]
            for i in range(proj.post.n):
                active = rule["post_step"](t, i, proj.post_vars, proj.P, *rule["post"])
                if rule["syn_step"] is None or not active:
                    continue
                for s in proj.post_syn[proj.post_ptr[i]:proj.post_ptr[i + 1]]:
                    proj.w[s] = scalar_weight(proj.rule, "syn_step", rule["syn_step"](
                        t, s, i, pre_of[s], float(proj.w[s]), syns[proj.index], proj.pre_vars, proj.post_vars,
                        proj.P, seed, proj.stream, *rule["both"]))
        # 5. spike monitors
        for m in net.spike_monitors:
            sp = spikes[m.source.index]
            c = int(m.count[0])
            if c + sp.size > m.capacity:
                m.flush()
                c = 0
            m.buf_t[c:c + sp.size] = t
            m.buf_i[c:c + sp.size] = sp
            m.count[0] = c + sp.size
