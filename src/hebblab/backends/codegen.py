"""Generate the source of one compiled time loop for a network's structure.

The loop is specialised to the populations (their model's ``update``), the projections (their
rule's kernel pieces, the target's input mode and row, fixed or plastic) and the monitors, so the
compiled code has no dispatch on types inside the loop. Everything that varies between networks
of the same structure (sizes, parameters, weights, state) is passed as arrays, so one compiled
kernel serves them all and numba's on-disk cache keeps it between processes.
"""

from __future__ import annotations

import importlib

#: The potentiation loop asks for the weight this many synapses ahead (see intrinsics.prefetch).
PREFETCH_AHEAD = 32


def _import_line(module: str, name: str, alias: str) -> str:
    return f"from {module} import {name} as {alias}"


def structure_key(net) -> tuple:
    """What the generated source depends on (and nothing else)."""
    pops = tuple((p.model.kernel_module, p.model.input_mode, p.model.input_rows) for p in net.populations)
    projs = tuple((j.pre.index, j.post.index, j.rule.kernel_module if j.rule else None, j.post_pre is not None)
                  for j in net.projections)
    spk = tuple(m.source.index for m in net.spike_monitors)
    st = tuple(("w", m.target.index) if m.is_weight else ("s", m.target.index, m.row)
               for m in net.state_monitors)
    inj = tuple(bool(p.injections) for p in net.populations)
    return pops, projs, spk, st, inj


def generate(net) -> str:
    pops, projs, spk_mons, st_mons, inj = structure_key(net)
    lines = ["import numpy as np", "from numba import njit", "from hebblab.backends.intrinsics import prefetch",
             "from hebblab.connectivity import pre_of"]
    for k, (mod, _, _) in enumerate(pops):
        lines.append(_import_line(mod, "update", f"upd{k}"))
    for p, (_, _, rmod, _) in enumerate(projs):
        if rmod is None:
            continue
        module = importlib.import_module(rmod)
        for piece in ("syn_pre", "syn_post", "pre_spike", "post_spike"):
            lines.append(_import_line(rmod, piece, f"r{p}_{piece}"))
        if getattr(module, "transmit", None) is not None:
            lines.append(_import_line(rmod, "transmit", f"r{p}_transmit"))

    args = ["t_start", "t_stop", "seed"]
    for k in range(len(pops)):
        args += [f"S{k}", f"I{k}", f"E{k}", f"C{k}", f"P{k}", f"spk{k}"]
        if inj[k]:
            args += [f"inj{k}_step", f"inj{k}_idx", f"inj{k}_row", f"inj{k}_val", f"inj{k}_add"]
    for p in range(len(projs)):
        args += [f"j{p}_{n}" for n in ("indptr", "post", "ptab", "pshift", "ppre", "pptr", "psyn", "w", "syn", "prev",
                                       "postv", "P", "stream", "delay", "q", "qn")]
    for m in range(len(spk_mons)):
        args += [f"ms{m}_t", f"ms{m}_i", f"ms{m}_n"]
    for m in range(len(st_mons)):
        args += [f"mv{m}_buf", f"mv{m}_idx", f"mv{m}_every", f"mv{m}_first"]

    body: list[str] = []
    add = body.append
    for k in range(len(pops)):
        if inj[k]:
            add(f"inj{k}_ptr = np.searchsorted(inj{k}_step, t_start)")
    add("for t in range(t_start, t_stop):")
    # 0. state monitors
    for m, key in enumerate(st_mons):
        src = f"j{key[1]}_w[mv{m}_idx[q]]" if key[0] == "w" else f"S{key[1]}[{key[2]}, mv{m}_idx[q]]"
        add(f"    if t >= mv{m}_first and (t - mv{m}_first) % mv{m}_every == 0:")
        add(f"        kk = (t - mv{m}_first) // mv{m}_every")
        add(f"        for q in range(mv{m}_idx.shape[0]):")
        add(f"            mv{m}_buf[kk, q] = {src}")
    # spike buffers: stop before a step could overflow one
    for m, k in enumerate(spk_mons):
        add(f"    if ms{m}_n[0] + spk{k}.shape[0] > ms{m}_t.shape[0]:")
        add("        return t")
    # 1. injections
    for k in range(len(pops)):
        if not inj[k]:
            continue
        add(f"    while inj{k}_ptr < inj{k}_step.shape[0] and inj{k}_step[inj{k}_ptr] == t:")
        add(f"        r = inj{k}_row[inj{k}_ptr]")
        add(f"        ii = inj{k}_idx[inj{k}_ptr]")
        add(f"        if inj{k}_add[inj{k}_ptr]:")
        add(f"            S{k}[r, ii] += inj{k}_val[inj{k}_ptr]")
        add("        else:")
        add(f"            S{k}[r, ii] = inj{k}_val[inj{k}_ptr]")
        add(f"        inj{k}_ptr += 1")
    # 2. population updates
    for k in range(len(pops)):
        add(f"    n{k} = upd{k}(t, S{k}, I{k}, E{k}, C{k}, P{k}, spk{k})")
    # 3. delivery and pre-synaptic plasticity
    for p, (a, b, rmod, _) in enumerate(projs):
        mode, (row_e, row_i) = pops[b][1], pops[b][2]
        plastic = rmod is not None
        has_tx = plastic and getattr(importlib.import_module(rmod), "transmit", None) is not None
        J = f"j{p}_"
        add(f"    slot = (t + {J}delay) % {J}qn.shape[0]")
        add(f"    for a in range(n{a}):")
        add(f"        {J}q[slot, a] = spk{a}[a]")
        add(f"    {J}qn[slot] = n{a}")
        add(f"    here = t % {J}qn.shape[0]")
        add(f"    for a in range({J}qn[here]):")
        add(f"        j = {J}q[here, a]")
        add(f"        for s in range({J}indptr[j], {J}indptr[j + 1]):")
        add(f"            i = {J}post[s]")
        add(f"            x = r{p}_transmit({J}w[s], {J}P)" if has_tx else f"            x = {J}w[s]")
        if mode is None:  # a spike source as target: plasticity only, nothing to deliver
            add("            pass")
        elif mode == "split":
            add("            if x >= 0.0:")
            add(f"                S{b}[{row_e}, i] += x")
            add("            else:")
            add(f"                S{b}[{row_i}, i] -= x")
        else:
            add(f"            S{b}[{row_e}, i] += x")
        if plastic:
            add(f"            {J}w[s] = r{p}_syn_pre(t, s, i, j, {J}w[s], {J}syn, {J}prev, {J}postv, {J}P, seed, {J}stream)")
            add(f"        r{p}_pre_spike(t, j, {J}prev, {J}P)")
    # 4. post-synaptic plasticity
    for p, (a, b, rmod, has_pre) in enumerate(projs):
        if rmod is None:
            continue
        J = f"j{p}_"
        pre_expr = f"{J}ppre[qq]" if has_pre else f"pre_of(s, {J}indptr, {J}ptab, {J}pshift)"
        add(f"    for a in range(n{b}):")
        add(f"        i = spk{b}[a]")
        add(f"        end = {J}pptr[i + 1]")
        add(f"        for qq in range({J}pptr[i], end):")
        add(f"            if qq + {PREFETCH_AHEAD} < end:")
        add(f"                prefetch({J}w, {J}psyn[qq + {PREFETCH_AHEAD}])")
        add(f"            s = {J}psyn[qq]")
        add(f"            {J}w[s] = r{p}_syn_post(t, s, i, {pre_expr}, {J}w[s], {J}syn, {J}prev, {J}postv, {J}P, seed, {J}stream)")
        add(f"        r{p}_post_spike(t, i, {J}postv, {J}P)")
    # 5. spike monitors
    for m, k in enumerate(spk_mons):
        add(f"    c = ms{m}_n[0]")
        add(f"    for a in range(n{k}):")
        add(f"        ms{m}_t[c] = t")
        add(f"        ms{m}_i[c] = spk{k}[a]")
        add("        c += 1")
        add(f"    ms{m}_n[0] = c")
    add("return t_stop")

    src = "\n".join(lines) + "\n\n\n@njit(cache=True, nogil=True)\n"
    src += "def kernel(" + ", ".join(args) + "):\n"
    src += "\n".join("    " + ln for ln in body) + "\n"
    return src


def arguments(net, t_start: int, t_stop: int) -> list:
    """The argument list matching :func:`generate`'s signature, in order."""
    out: list = [t_start, t_stop, net.seed]
    for pop in net.populations:
        out += [pop.S, pop.I, pop.E, pop.C, pop.P, pop.spk]
        if pop.injections:
            out += list(net.injection_arrays(pop))
    for j in net.projections:
        out += [j.indptr, j.post_index, j.pre_table, j.pre_shift, j.post_pre, j.post_ptr, j.post_syn, j.w,
                j.syn if j.syn.shape[1] else None, j.pre_vars, j.post_vars, j.P, j.stream, j.delay_steps, j.queue, j.queue_n]
    for m in net.spike_monitors:
        out += [m.buf_t, m.buf_i, m.count]
    for m in net.state_monitors:
        out += [m.buffer, m.indices, m.every, m.first]
    return out
