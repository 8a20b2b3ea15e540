"""Generate the source of one compiled time loop for a network's structure.

The loop is specialised to the populations (their model's ``update``), the projections (their
rule's kernel pieces, the target's input mode and row, fixed or plastic) and the monitors, so the
compiled code has no dispatch on types inside the loop. Everything that varies between networks
of the same structure (sizes, parameters, weights, state) is passed as arrays, so one compiled
kernel serves them all and numba's on-disk cache keeps it between processes.

Two variants: :func:`generate` writes the serial loop; :func:`generate_parallel` writes the loop
one thread of a multi-threaded run executes (see its docstring for how the work is split and why
the result does not depend on the number of threads).
"""

from __future__ import annotations

import importlib

from ..contract import PIECE_READS, hooks, read_rows
from ..neurons.base import has_range_update, range_align

#: The potentiation loop asks for the weight this many synapses ahead (see intrinsics.prefetch).
PREFETCH_AHEAD = 32


def _import_line(module: str, name: str, alias: str) -> str:
    return f"from {module} import {name} as {alias}"


def rule_extras(net) -> tuple:
    """Per projection: the rows of the pre and post populations' state its rule reads
    (``reads_pre``/``reads_post``), and whether its module has ``post_step`` and ``syn_step``."""
    out = []
    for j in net.projections:
        if j.rule is None:
            out.append(((), (), False, False))
            continue
        rows_pre, rows_post = read_rows(j.rule, j.pre.model, j.post.model)
        out.append((rows_pre, rows_post, *hooks(importlib.import_module(j.rule.kernel_module))))
    return tuple(out)


def _reads(ext, p, piece) -> str:
    """The trailing arguments of projection ``p``'s ``piece``: ``vpre{p}`` / ``vpost{p}`` for the
    sides its rule reads and the piece receives (contract.PIECE_READS); "" for a rule that reads none."""
    rows = {"pre": ext[p][0], "post": ext[p][1]}
    return "".join(f", v{side}{p}" for side in PIECE_READS[piece] if rows[side])


def structure_key(net, parallel: bool = False) -> tuple:
    """What the generated source depends on (and nothing else)."""
    pops = tuple((p.model.kernel_module, p.model.input_mode, p.model.input_rows,
                  parallel and has_range_update(p.model), range_align(p.model)) for p in net.populations)
    projs = tuple((j.pre.index, j.post.index, j.rule.kernel_module if j.rule else None, j.post_pre is not None,
                   parallel and j.delay_steps == 0, parallel and j.one_to_one, j.deferred) for j in net.projections)
    spk = tuple(m.source.index for m in net.spike_monitors)
    st = tuple(("w", m.target.index) if m.is_weight else ("s", m.target.index, m.row)
               for m in net.state_monitors)
    inj = tuple(bool(p.injections) for p in net.populations)
    drv = tuple(d.pop.index for d in net.poisson_inputs)  # the population each Poisson drive feeds
    return pops, projs, spk, st, inj, drv, parallel, rule_extras(net)


def _header(pops, projs, parallel, drv=(), ext=()):
    lines = ["import numpy as np", "from numba import njit",
             "from hebblab.backends.intrinsics import barrier, prefetch",
             "from hebblab.connectivity import first_at_least, pre_of"]
    if drv:
        lines.append(_import_line("hebblab.poisson_input", "apply_range", "drv_apply"))
    for k, pop in enumerate(pops):
        lines.append(_import_line(pop[0], "update", f"upd{k}"))
        if pop[3]:
            lines.append(_import_line(pop[0], "update_range", f"updr{k}"))
    for p, proj in enumerate(projs):
        rmod = proj[2]
        if rmod is None:
            continue
        for piece in ("syn_pre", "syn_post", "pre_spike", "post_spike"):
            lines.append(_import_line(rmod, piece, f"r{p}_{piece}"))
        for piece, present in zip(("post_step", "syn_step"), ext[p][2:] if ext else ()):
            if present:
                lines.append(_import_line(rmod, piece, f"r{p}_{piece}"))
        if getattr(importlib.import_module(rmod), "transmit", None) is not None:
            lines.append(_import_line(rmod, "transmit", f"r{p}_transmit"))
    return lines


def _arg_names(pops, projs, spk_mons, st_mons, inj, parallel, drv=()):
    args = ["t_start", "t_stop", "final", "seed"] + (["nthr", "part", "bar", "cnt"] if parallel else [])
    for k in range(len(pops)):
        args += [f"S{k}", f"I{k}", f"E{k}", f"C{k}", f"P{k}", f"spk{k}"]
        if inj[k]:
            args += [f"inj{k}_step", f"inj{k}_idx", f"inj{k}_row", f"inj{k}_val", f"inj{k}_add"]
    for p in range(len(projs)):
        args += [f"j{p}_{n}" for n in ("indptr", "post", "ptab", "pshift", "ppre", "pptr", "psyn", "w", "syn", "prev",
                                       "postv", "P", "stream", "delay", "q", "qn", "pa", "hc", "ht", "hl", "lz", "pb")]
    for q in range(len(drv)):
        args += [f"d{q}_cdf", f"d{q}_G", f"d{q}_D", f"d{q}_w"]
    for m in range(len(spk_mons)):
        args += [f"ms{m}_t", f"ms{m}_i", f"ms{m}_n"]
    for m in range(len(st_mons)):
        args += [f"mv{m}_buf", f"mv{m}_idx", f"mv{m}_every", f"mv{m}_first"]
    return args


def _finish(lines, args, body, projs=(), parallel=False):
    src = "\n".join(lines) + "\n\n\n"
    for p, pr in enumerate(projs):
        if pr[6]:
            src += _settle_helper(p, parallel) + "\n\n"
    src += "@njit(cache=True, nogil=True)\n"
    src += "def kernel(" + ", ".join(args) + "):\n"
    src += "\n".join("    " + ln for ln in body) + "\n"
    return src


def _overflow_checks(add, spk_mons):
    """Stop before a step could overflow a spike monitor's buffer (Python empties it)."""
    for m, k in enumerate(spk_mons):
        add(f"    if ms{m}_n[0] + spk{k}.shape[0] > ms{m}_t.shape[0]:")
        add("        return t")


def _state_monitors(add, st_mons, ind="    "):
    for m, key in enumerate(st_mons):
        src = f"j{key[1]}_w[mv{m}_idx[q]]" if key[0] == "w" else f"S{key[1]}[{key[2]}, mv{m}_idx[q]]"
        add(f"{ind}if t >= mv{m}_first and (t - mv{m}_first) % mv{m}_every == 0:")
        add(f"{ind}    kk = (t - mv{m}_first) // mv{m}_every")
        add(f"{ind}    for q in range(mv{m}_idx.shape[0]):")
        add(f"{ind}        mv{m}_buf[kk, q] = {src}")


def _injections(add, inj, ind="    "):
    for k, has in enumerate(inj):
        if not has:
            continue
        add(f"{ind}while inj{k}_ptr < inj{k}_step.shape[0] and inj{k}_step[inj{k}_ptr] == t:")
        add(f"{ind}    r = inj{k}_row[inj{k}_ptr]")
        add(f"{ind}    ii = inj{k}_idx[inj{k}_ptr]")
        add(f"{ind}    if inj{k}_add[inj{k}_ptr]:")
        add(f"{ind}        S{k}[r, ii] += inj{k}_val[inj{k}_ptr]")
        add(f"{ind}    else:")
        add(f"{ind}        S{k}[r, ii] = inj{k}_val[inj{k}_ptr]")
        add(f"{ind}    inj{k}_ptr += 1")


def _drives(add, drv, parallel):
    """Step 3 begins: every Poisson drive adds its counts to its population's target row (a
    parallel part: to its own neurons, which it also delivers to next, so each neuron still
    receives the drive before the step's arrivals)."""
    for q, k in enumerate(drv):
        lo, hi = (f"own_lo{k}", f"own_hi{k}") if parallel else ("0", f"S{k}.shape[1]")
        add(f"    drv_apply(t, S{k}, d{q}_cdf, d{q}_G, d{q}_D, d{q}_w, seed, {lo}, {hi})")


def _synapse_body(add, ind, p, b, pops, plastic, has_tx, s="s", i="i", j="j", x="x", xs=""):
    """Transmit synapse ``s`` (pre ``j``) to its target and run the rule's pre-synaptic update."""
    J = f"j{p}_"
    mode, (row_e, row_i) = pops[b][1], pops[b][2]
    add(f"{ind}{i} = {J}post[{s}]")
    add(f"{ind}{x} = r{p}_transmit({J}w[{s}], {J}P)" if has_tx else f"{ind}{x} = {J}w[{s}]")
    if mode is None:  # a spike source as target: plasticity only, nothing to deliver
        add(f"{ind}pass")
    elif mode == "split":
        add(f"{ind}if {x} >= 0.0:")
        add(f"{ind}    S{b}[{row_e}, {i}] += {x}")
        add(f"{ind}else:")
        add(f"{ind}    S{b}[{row_i}, {i}] -= {x}")
    else:
        add(f"{ind}S{b}[{row_e}, {i}] += {x}")
    if plastic:
        add(f"{ind}{J}w[{s}] = r{p}_syn_pre(t, {s}, {i}, {j}, {J}w[{s}], {J}syn, {J}prev, {J}postv, {J}P, seed, "
            f"{J}stream{xs})")


def _apply_one(add, ind, p, s, i, j, step):
    """The rule's potentiation of synapse ``s`` for the post spike at ``step``."""
    J = f"j{p}_"
    add(f"{ind}{J}w[{s}] = r{p}_syn_post({step}, {s}, {i}, {j}, {J}w[{s}], {J}syn, {J}prev, {J}postv, {J}P, seed, {J}stream)")


def _row_catch_up(add, ind, p, lo, hi, part):
    """Deferred potentiation of the synapses ``lo..hi-1`` of row ``j`` (window start ``aj``).

    A first pass lists the (synapse, post spike step) pairs owed, oldest first per synapse: for
    one or two owed spikes (the usual cases) without a branch, from the last spikes of the post
    neuron ``hl[i, 0]`` and ``hl[i, 1]``; for three or more by walking the post neuron's ring.
    A second loop applies the pairs. Branching per synapse on whether and how much it owes cost
    more than the potentiation itself (mispredictions; benchmarks/RESULTS.md), and one loop
    holds the only copy of the rule's code (compile time).
    """
    J = f"j{p}_"
    add(f"{ind}m_ = 0")
    add(f"{ind}for s in range({lo}, {hi}):")
    add(f"{ind}    i = {J}post[s]")
    add(f"{ind}    h0_ = {J}hl[i, 0]")
    add(f"{ind}    h1_ = {J}hl[i, 1]")
    add(f"{ind}    if {J}hl[i, 2] < aj:")
    add(f"{ind}        {J}pb[{part}, 0, m_] = s")
    add(f"{ind}        {J}pb[{part}, 1, m_] = h1_")
    add(f"{ind}        m_ += h1_ >= aj")
    add(f"{ind}        {J}pb[{part}, 0, m_] = s")
    add(f"{ind}        {J}pb[{part}, 1, m_] = h0_")
    add(f"{ind}        m_ += h0_ >= aj")
    add(f"{ind}    else:  # three or more: back through the ring to the oldest one owed")
    add(f"{ind}        hc_ = {J}hc[i]")
    add(f"{ind}        k_ = hc_ - 3")
    add(f"{ind}        low_ = max(hc_ - hmask{p} - 1, 0)")
    add(f"{ind}        while k_ > low_ and {J}ht[i, (k_ - 1) & hmask{p}] >= aj:")
    add(f"{ind}            k_ -= 1")
    add(f"{ind}        for q_ in range(k_, hc_):")
    add(f"{ind}            {J}pb[{part}, 0, m_] = s")
    add(f"{ind}            {J}pb[{part}, 1, m_] = {J}ht[i, q_ & hmask{p}]")
    add(f"{ind}            m_ += 1")
    add(f"{ind}for u_ in range(m_):")
    add(f"{ind}    s = {J}pb[{part}, 0, u_]")
    add(f"{ind}    i = {J}post[s]")
    _apply_one(add, ind + "    ", p, "s", "i", "j", f"{J}pb[{part}, 1, u_]")


def _catch_up_row(add, ind, p, lo, hi, part):
    """Before an arrival of pre neuron ``j`` is delivered: ``aj``, the first step whose post spikes
    its synapses still owe (a row swept at this step owes none), then the catch-up of
    synapses ``lo..hi-1``."""
    J = f"j{p}_"
    add(f"{ind}aj = {J}pa[j]")
    add(f"{ind}if sw{p} and aj < t - R{p}:")
    add(f"{ind}    aj = t")
    _row_catch_up(add, ind, p, lo, hi, part)


SETTLE_ARRAYS = ("indptr", "post", "pa", "hc", "ht", "hl", "pb", "w", "syn", "prev", "postv", "P", "stream")


def _settle_helper(p, parallel) -> str:
    """Source of ``settle{p}``: every row whose window starts before ``lim`` applies what it owes
    (a sweep: ``lim = t - R``; the flush at the end of a run: every row). A separate compiled
    function, not inlined: sweeps are rare, and one copy of the rule code instead of three
    keeps the kernel's compile time down. A parallel part settles the synapses onto its own post
    neurons ``lo_post..hi_post-1``."""
    J = f"j{p}_"
    names = ["lim", "lo_post", "hi_post", "part", "seed"] + [J + n for n in SETTLE_ARRAYS]
    body: list[str] = []
    add = body.append
    add(f"hmask{p} = {J}ht.shape[1] - 1")
    add(f"for j in range({J}indptr.shape[0] - 1):")
    add(f"    aj = {J}pa[j]")
    add("    if aj >= lim:")
    add("        continue")
    if parallel:
        add(f"    s0 = first_at_least({J}post, {J}indptr[j], {J}indptr[j + 1], lo_post)")
        add(f"    s1 = first_at_least({J}post, s0, {J}indptr[j + 1], hi_post)")
    else:
        add(f"    s0 = {J}indptr[j]")
        add(f"    s1 = {J}indptr[j + 1]")
    _row_catch_up(add, "    ", p, "s0", "s1", "part")
    return ("@njit(cache=True, nogil=True)\n" + f"def settle{p}(" + ", ".join(names) + "):\n"
            + "\n".join("    " + ln for ln in body) + "\n")


def _settle_call(add, ind, p, b, parallel, lim):
    J = f"j{p}_"
    lo, hi, part = (f"own_lo{b}", f"own_hi{b}", "part") if parallel else ("0", "0", "0")
    add(f"{ind}settle{p}({lim}, {lo}, {hi}, {part}, seed, " + ", ".join(J + n for n in SETTLE_ARRAYS) + ")")


def _sweep_if_due(add, p, b, parallel):
    """Every R steps (``sw{p}``), settle the rows that owe spikes from more than R steps ago."""
    add(f"    sw{p} = t % R{p} == 0")
    add(f"    if sw{p}:")
    _settle_call(add, "        ", p, b, parallel, f"t - R{p}")


def _sweep_marks(add, ind, p, lo, hi, flush=False):
    """After a sweep: the swept rows (or, at a flush, all rows in [lo, hi)) owe nothing before now."""
    J = f"j{p}_"
    add(f"{ind}for j in range({lo}, {hi}):")
    if flush:
        add(f"{ind}    {J}pa[j] = t_stop")
    else:
        add(f"{ind}    if {J}pa[j] < t - R{p}:")
        add(f"{ind}        {J}pa[j] = t")


def _potentiate(add, ind, p, has_pre, lazy=False, i="i", xs="", xp=""):
    """Potentiation of every synapse onto post neuron ``i``, then its post-synaptic trace. Deferred:
    the spike goes into ``i``'s ring instead; the synapses apply it at their pre neuron's next
    arrival, sweep or flush. When the ring is full and its oldest spike may still be owed
    (not older than the floor ``lz[1]`` of all windows), the synapses that owe it apply it now."""
    J = f"j{p}_"
    pre_expr = f"{J}ppre[qq]" if has_pre else f"pre_of(s, {J}indptr, {J}ptab, {J}pshift)"
    if lazy:
        add(f"{ind}c_ = {J}hc[{i}]")
        add(f"{ind}if c_ > hmask{p}:")
        add(f"{ind}    te = {J}ht[{i}, c_ & hmask{p}]")
        add(f"{ind}    if te >= {J}lz[1]:")
        add(f"{ind}        for qq in range({J}pptr[{i}], {J}pptr[{i} + 1]):")
        add(f"{ind}            s = {J}psyn[qq]")
        add(f"{ind}            j = {pre_expr}")
        add(f"{ind}            if {J}pa[j] <= te:")
        add(f"{ind}                {J}w[s] = r{p}_syn_post(te, s, {i}, j, {J}w[s], {J}syn, {J}prev, {J}postv, {J}P, seed, {J}stream)")
        add(f"{ind}{J}ht[{i}, c_ & hmask{p}] = t")
        add(f"{ind}{J}hc[{i}] = c_ + 1")
        add(f"{ind}{J}hl[{i}, 2] = {J}hl[{i}, 1]")
        add(f"{ind}{J}hl[{i}, 1] = {J}hl[{i}, 0]")
        add(f"{ind}{J}hl[{i}, 0] = t")
        add(f"{ind}r{p}_post_spike(t, {i}, {J}postv, {J}P)")
        return
    add(f"{ind}end = {J}pptr[{i} + 1]")
    add(f"{ind}for qq in range({J}pptr[{i}], end):")
    add(f"{ind}    if qq + {PREFETCH_AHEAD} < end:")
    add(f"{ind}        prefetch({J}w, {J}psyn[qq + {PREFETCH_AHEAD}])")
    add(f"{ind}    s = {J}psyn[qq]")
    add(f"{ind}    {J}w[s] = r{p}_syn_post(t, s, {i}, {pre_expr}, {J}w[s], {J}syn, {J}prev, {J}postv, {J}P, seed, "
        f"{J}stream{xs})")
    add(f"{ind}r{p}_post_spike(t, {i}, {J}postv, {J}P{xp})")


def _post_steps(add, ind, p, has_pre, ext, lo, hi):
    """Step 4b: the rule's ``post_step`` for every post neuron ``lo..hi-1``; where it returns True,
    ``syn_step`` on every synapse onto that neuron."""
    J = f"j{p}_"
    pre_expr = f"{J}ppre[qq]" if has_pre else f"pre_of(s, {J}indptr, {J}ptab, {J}pshift)"
    call = f"r{p}_post_step(t, i, {J}postv, {J}P{_reads(ext, p, 'post_step')})"
    add(f"{ind}for i in range({lo}, {hi}):")
    if not ext[p][3]:
        add(f"{ind}    {call}")
        return
    add(f"{ind}    if {call}:")
    add(f"{ind}        for qq in range({J}pptr[i], {J}pptr[i + 1]):")
    add(f"{ind}            s = {J}psyn[qq]")
    add(f"{ind}            {J}w[s] = r{p}_syn_step(t, s, i, {pre_expr}, {J}w[s], {J}syn, {J}prev, {J}postv, {J}P, "
        f"seed, {J}stream{_reads(ext, p, 'syn_step')})")


def _reads_prologue(add, projs, ext):
    """The read-only views a reading rule's pieces receive: one row of the population's state per
    declared variable (a tuple, so a rule may read several)."""
    for p, pr in enumerate(projs):
        for side, pop, rows in (("pre", pr[0], ext[p][0]), ("post", pr[1], ext[p][1])):
            if rows:
                add(f"v{side}{p} = (" + "".join(f"S{pop}[{r}], " for r in rows) + ")")


def _flush(add, projs, parallel):
    """At the end of a run (``final``) every synapse applies the potentiation it still owes, so
    the weights Python sees are complete."""
    lazy = [p for p, pr in enumerate(projs) if pr[6]]
    if not lazy:
        return
    add("if final:")
    for p in lazy:
        _settle_call(add, "    ", p, projs[p][1], parallel, "t_stop + 1")
    if parallel:
        add("    gen = barrier(bar, nthr, gen)")
    for p in lazy:
        a = projs[p][0]
        lo, hi = (f"own_lo{a}", f"own_hi{a}") if parallel else ("0", f"j{p}_indptr.shape[0] - 1")
        _sweep_marks(add, "    ", p, lo, hi, flush=True)
        if parallel:
            add("    if part == 0:")
        add(("        " if parallel else "    ") + f"j{p}_lz[1] = t_stop")


def _lazy_prologue(add, projs, ext=()):
    for p, pr in enumerate(projs):
        # contract: a deferrable rule reads no neuron variables and has no per-step hook
        assert not (pr[6] and ext and any(ext[p])), "a deferred projection's rule reads neuron state"
        if pr[6]:
            add(f"hmask{p} = j{p}_ht.shape[1] - 1")
            add(f"R{p} = j{p}_lz[0]")


def _has_transmit(rmod):
    return rmod is not None and getattr(importlib.import_module(rmod), "transmit", None) is not None


def generate(net) -> str:
    """Source of the serial loop: the step order of network.py, one step after another."""
    pops, projs, spk_mons, st_mons, inj, drv, _, ext = structure_key(net, False)
    lines = _header(pops, projs, False, drv, ext)
    args = _arg_names(pops, projs, spk_mons, st_mons, inj, False, drv)
    body: list[str] = []
    add = body.append
    for k in range(len(pops)):
        if inj[k]:
            add(f"inj{k}_ptr = np.searchsorted(inj{k}_step, t_start)")
    _lazy_prologue(add, projs, ext)
    _reads_prologue(add, projs, ext)
    add("for t in range(t_start, t_stop):")
    _state_monitors(add, st_mons)  # 0
    _overflow_checks(add, spk_mons)
    _injections(add, inj)  # 1
    for k in range(len(pops)):  # 2. population updates
        add(f"    n{k} = upd{k}(t, S{k}, I{k}, E{k}, C{k}, P{k}, spk{k})")
    _drives(add, drv, False)  # 3. Poisson drives, then delivery and pre-synaptic plasticity
    for p, (a, b, rmod, _, _, _, lazy) in enumerate(projs):
        J = f"j{p}_"
        if lazy:
            _sweep_if_due(add, p, b, False)
        add(f"    slot = (t + {J}delay) % {J}qn.shape[0]")
        add(f"    for a in range(n{a}):")
        add(f"        {J}q[slot, a] = spk{a}[a]")
        add(f"    {J}qn[slot] = n{a}")
        add(f"    here = t % {J}qn.shape[0]")
        add(f"    for a in range({J}qn[here]):")
        add(f"        j = {J}q[here, a]")
        if lazy:
            _catch_up_row(add, "        ", p, f"{J}indptr[j]", f"{J}indptr[j + 1]", "0")
        add(f"        for s in range({J}indptr[j], {J}indptr[j + 1]):")
        _synapse_body(add, "            ", p, b, pops, rmod is not None, _has_transmit(rmod), xs=_reads(ext, p, "syn_pre"))
        if rmod is not None:
            add(f"        r{p}_pre_spike(t, j, {J}prev, {J}P{_reads(ext, p, 'pre_spike')})")
        if lazy:
            add(f"        {J}pa[j] = t")
            add(f"    if sw{p}:")
            _sweep_marks(add, "        ", p, "0", f"{J}indptr.shape[0] - 1")
            add(f"        {J}lz[1] = t - R{p}")
    for p, (a, b, rmod, has_pre, _, _, lazy) in enumerate(projs):  # 4. post-synaptic plasticity
        if rmod is not None:
            add(f"    for a in range(n{b}):")
            add(f"        i = spk{b}[a]")
            _potentiate(add, "        ", p, has_pre, lazy, xs=_reads(ext, p, "syn_post"), xp=_reads(ext, p, "post_spike"))
    for p, (a, b, rmod, has_pre, _, _, lazy) in enumerate(projs):  # 4b. per-step hooks
        if ext[p][2]:
            _post_steps(add, "    ", p, has_pre, ext, "0", f"j{p}_pptr.shape[0] - 1")
    for m, k in enumerate(spk_mons):  # 5. spike monitors
        add(f"    c = ms{m}_n[0]")
        add(f"    for a in range(n{k}):")
        add(f"        ms{m}_t[c] = t")
        add(f"        ms{m}_i[c] = spk{k}[a]")
        add("        c += 1")
        add(f"    ms{m}_n[0] = c")
    _flush(add, projs, False)
    add("return t_stop")
    return _finish(lines, args, body, projs, False)


def generate_parallel(net) -> str:
    """Source of the loop that thread ``part`` of ``nthr`` runs; the threads meet at barriers.

    Work is split by neuron ranges: part c owns neurons ``c*N//nthr .. (c+1)*N//nthr - 1`` of
    every population. It updates its own neurons (models with ``update_range``; part 0 updates
    the others, e.g. Poisson sources, meanwhile), copies its spikes into the delay queues at the
    offset of the spikes of lower parts, delivers to its own targets (every arriving row is sorted
    by target, so two binary searches give the part's synapses), updates the pre-synaptic traces
    of its own pre neurons, and potentiates the synapses onto its own post neurons that spiked.
    Each target receives its inputs in the order of the arrival list, as in the serial loop, and
    every synapse update reads only its own pre and post state, so sums, weights and spikes are
    the serial loop's whatever ``nthr`` is. Poisson drives (network.poisson_input) are applied
    after the updates' barrier, each part drawing the counts of its own neurons (counter-based:
    the same numbers as the serial loop's) before it delivers to them. Part 0 also does the
    serial bookkeeping (monitors, injections).

    Barriers per step: after the updates (spike counts known); with plastic projections, after
    delivery (pre traces change next) and after the pre traces (potentiation reads them); at the
    end of the step for static networks, when part 0 samples state or injects at the next step,
    or when potentiation reads the spikes of a population only part 0 updates. A rule that
    reads pre neurons' variables (``reads_pre``) reads neurons other parts update and drive: a
    barrier before delivery (the drives are applied) and one at the end of the step (the next
    updates wait for its reads). The per-step hooks (``post_step``, ``syn_step``) run on each
    part's own post neurons after their potentiation, reading only their own state.
    """
    pops, projs, spk_mons, st_mons, inj, drv, _, ext = structure_key(net, True)
    lines = _header(pops, projs, True, drv, ext)
    args = _arg_names(pops, projs, spk_mons, st_mons, inj, True, drv)
    plastic_any = any(pr[2] is not None for pr in projs)
    start_barrier = bool(st_mons) or any(inj)
    # Potentiation reads the spike list of a post population that part 0 updates alone; part 0
    # must not overwrite it (next step's update) before every part has read it.
    shared_posts = any(pr[2] is not None and not pops[pr[1]][3] for pr in projs)
    # A rule reading pre neurons' variables reads neurons other parts update (and drive): the
    # next step's updates and this step's drives must not overlap those reads.
    reads_pre = any(e[0] for e in ext)
    end_barrier = start_barrier or not plastic_any or shared_posts or reads_pre
    body: list[str] = []
    add = body.append
    add("gen = 0")
    for k, pop in enumerate(pops):
        A = pop[4]
        add(f"nn{k} = S{k}.shape[1]")
        add(f"nblk{k} = (nn{k} + {A - 1}) // {A}")
        add(f"own_lo{k} = min(nn{k}, {A} * (part * nblk{k} // nthr))")
        add(f"own_hi{k} = min(nn{k}, {A} * ((part + 1) * nblk{k} // nthr))")
        if pop[3]:
            add(f"lo{k} = own_lo{k}")
        else:
            add(f"lo{k} = 0")
        if inj[k]:
            add(f"inj{k}_ptr = np.searchsorted(inj{k}_step, t_start)")
    _lazy_prologue(add, projs, ext)
    _reads_prologue(add, projs, ext)
    add("for t in range(t_start, t_stop):")
    _overflow_checks(add, spk_mons)
    if start_barrier:  # 0, 1: part 0 samples and injects while the others wait
        add("    if part == 0:")
        _state_monitors(add, st_mons, "        ")
        _injections(add, inj, "        ")
        add("    gen = barrier(bar, nthr, gen)")
    for k, pop in enumerate(pops):  # 2. updates: own range, or everything on part 0
        if pop[3]:
            add(f"    cnt[{k}, part] = updr{k}(t, S{k}, I{k}, E{k}, C{k}, P{k}, spk{k}, own_lo{k}, own_hi{k})")
        else:
            add("    if part == 0:")
            add(f"        cnt[{k}, 0] = upd{k}(t, S{k}, I{k}, E{k}, C{k}, P{k}, spk{k})")
    add("    gen = barrier(bar, nthr, gen)")
    _drives(add, drv, True)  # 3. Poisson drives into own neurons (every update of the step is done)
    for k in range(len(pops)):  # spikes of the step: part c's are spk[lo_c:lo_c + cnt[k, c]]
        add(f"    n{k} = 0")
        add(f"    off{k} = 0")
        add("    for c in range(nthr):")
        add("        if c < part:")
        add(f"            off{k} += cnt[{k}, c]")
        add(f"        n{k} += cnt[{k}, c]")
    for p, (a, b, rmod, _, _, _, _) in enumerate(projs):  # 3a. queue own spikes
        J = f"j{p}_"
        add(f"    slot = (t + {J}delay) % {J}qn.shape[0]")
        add(f"    for a in range(cnt[{a}, part]):")
        add(f"        {J}q[slot, off{a} + a] = spk{a}[lo{a} + a]")
        add("    if part == 0:")
        add(f"        {J}qn[slot] = n{a}")
    if spk_mons:  # 5 (recorded now; no one overwrites the spikes before the next barrier)
        add("    if part == 0:")
        for m, k in enumerate(spk_mons):
            ranged = pops[k][3]
            add(f"        cm = ms{m}_n[0]")
            add("        for c in range(nthr):")
            add(f"            seg = min(nn{k}, {pops[k][4]} * (c * nblk{k} // nthr))" if ranged else "            seg = 0")
            add(f"            for a in range(cnt[{k}, c]):")
            add(f"                ms{m}_t[cm] = t")
            add(f"                ms{m}_i[cm] = spk{k}[seg + a]")
            add("                cm += 1")
            add(f"        ms{m}_n[0] = cm")
    if any(pr[4] for pr in projs) or reads_pre:  # a zero-delay projection reads the slot just written
        add("    gen = barrier(bar, nthr, gen)")
    for p, (a, b, rmod, _, _, one, lazy) in enumerate(projs):  # 3b. deliver to own targets
        J = f"j{p}_"
        if lazy:
            _sweep_if_due(add, p, b, True)
        add(f"    here = t % {J}qn.shape[0]")
        if one:  # one_to_one: the arrivals (ascending) with j in the own range are the own targets
            add(f"    a0 = first_at_least({J}q[here], 0, {J}qn[here], own_lo{b})")
            add(f"    a1 = first_at_least({J}q[here], a0, {J}qn[here], own_hi{b})")
            add("    for a in range(a0, a1):")
            add(f"        j = {J}q[here, a]")
            if lazy:
                _catch_up_row(add, "        ", p, f"{J}indptr[j]", f"{J}indptr[j] + 1", "part")
            add(f"        s = {J}indptr[j]")
            _synapse_body(add, "        ", p, b, pops, rmod is not None, _has_transmit(rmod), xs=_reads(ext, p, "syn_pre"))
            continue
        add(f"    for a in range({J}qn[here]):")
        add(f"        j = {J}q[here, a]")
        add(f"        s0 = first_at_least({J}post, {J}indptr[j], {J}indptr[j + 1], own_lo{b})")
        add(f"        s1 = first_at_least({J}post, s0, {J}indptr[j + 1], own_hi{b})")
        if lazy:
            _catch_up_row(add, "        ", p, "s0", "s1", "part")
        add("        for s in range(s0, s1):")
        _synapse_body(add, "            ", p, b, pops, rmod is not None, _has_transmit(rmod), xs=_reads(ext, p, "syn_pre"))
    if plastic_any:
        add("    gen = barrier(bar, nthr, gen)")
        for p, (a, b, rmod, _, _, _, lazy) in enumerate(projs):  # 3c. pre traces of own pre neurons
            if rmod is None:
                continue
            J = f"j{p}_"
            add(f"    here = t % {J}qn.shape[0]")
            add(f"    for a in range({J}qn[here]):")
            add(f"        j = {J}q[here, a]")
            add(f"        if own_lo{a} <= j < own_hi{a}:")
            add(f"            r{p}_pre_spike(t, j, {J}prev, {J}P{_reads(ext, p, 'pre_spike')})")
            if lazy:
                add(f"            {J}pa[j] = t")
                add(f"    if sw{p}:")
                _sweep_marks(add, "        ", p, f"own_lo{a}", f"own_hi{a}")
                add("        if part == 0:")
                add(f"            {J}lz[1] = t - R{p}")
        add("    gen = barrier(bar, nthr, gen)")
        for p, (a, b, rmod, has_pre, _, _, lazy) in enumerate(projs):  # 4. potentiate onto own posts
            if rmod is None:
                continue
            xs, xp = _reads(ext, p, "syn_post"), _reads(ext, p, "post_spike")
            if pops[b][3]:  # the part's own spikes are exactly its own post neurons that fired
                add(f"    for a in range(cnt[{b}, part]):")
                add(f"        i = spk{b}[own_lo{b} + a]")
                _potentiate(add, "        ", p, has_pre, lazy, xs=xs, xp=xp)
            else:  # one list (part 0's update): take the neurons in the own range
                add(f"    for a in range(cnt[{b}, 0]):")
                add(f"        i = spk{b}[a]")
                add(f"        if own_lo{b} <= i < own_hi{b}:")
                _potentiate(add, "            ", p, has_pre, lazy, xs=xs, xp=xp)
        for p, (a, b, rmod, has_pre, _, _, _) in enumerate(projs):  # 4b. per-step hooks of own post neurons
            if ext[p][2]:
                _post_steps(add, "    ", p, has_pre, ext, f"own_lo{b}", f"own_hi{b}")
    if end_barrier:
        add("    gen = barrier(bar, nthr, gen)")
    _flush(add, projs, True)
    add("return t_stop")
    return _finish(lines, args, body, projs, True)


def arguments(net, t_start: int, t_stop: int, parallel=None, final: bool = True) -> list:
    """The argument list matching the generated signature, in order; ``parallel`` is
    ``(nthr, part, bar, cnt)`` for a thread of a parallel run; ``final``: the call ends the run
    (deferred potentiation is settled before it returns)."""
    out: list = [t_start, t_stop, final, net.seed] + (list(parallel) if parallel else [])
    for pop in net.populations:
        out += [pop.S, pop.I, pop.E, pop.C, pop.P, pop.spk]
        if pop.injections:
            out += list(net.injection_arrays(pop))
    for j in net.projections:
        out += [j.indptr, j.post_index, j.pre_table, j.pre_shift, j.post_pre, j.post_ptr, j.post_syn, j.w,
                j.syn if j.syn.shape[1] else None, j.pre_vars, j.post_vars, j.P, j.stream, j.delay_steps, j.queue, j.queue_n,
                *j.deferral.arrays()]
    for d in net.poisson_inputs:
        out += [d.cdf, d.guide, d.D, d.weight]
    for m in net.spike_monitors:
        out += [m.buf_t, m.buf_i, m.count]
    for m in net.state_monitors:
        out += [m.buffer, m.indices, m.every, m.first]
    return out
