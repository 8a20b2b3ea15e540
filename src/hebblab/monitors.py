"""Monitors: spikes, sampled state variables and weights, in preallocated numpy arrays.

The compiled loop writes into fixed-size buffers; Python empties them between ``run`` calls or
when a spike buffer is about to fill (the only times Python is called during a run).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas

    from .network import Population, Projection

SPIKE_BUFFER = 1 << 20


def _pandas():
    """pandas, or ImportError naming the missing package and how to install it (pandas is optional)."""
    try:
        import pandas
    except ImportError:
        raise ImportError("to_pandas() needs pandas, which is not installed: pip install pandas "
                          "(or pip install 'hebblab[pandas]')") from None
    return pandas


def _html_table(title: str, rows: list[tuple[str, object]]) -> str:
    cells = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                    for k, v in rows)
    return f"<div><b>{html.escape(title)}</b><table>{cells}</table></div>"


class SpikeMonitor:
    """Spikes of a population: ``.t`` (seconds) and ``.i`` (neuron index), in time order."""

    def __init__(self, pop: "Population", capacity: int = SPIKE_BUFFER):
        self.source = pop
        self.capacity = max(int(capacity), 2 * pop.n)
        self.buf_t = np.zeros(self.capacity, np.int64)
        self.buf_i = np.zeros(self.capacity, np.int32)
        self.count = np.zeros(1, np.int64)
        self._steps: list[np.ndarray] = []
        self._idx: list[np.ndarray] = []
        self._dt = pop.net.dt

    def flush(self) -> None:
        n = int(self.count[0])
        if n:
            self._steps.append(self.buf_t[:n].copy())
            self._idx.append(self.buf_i[:n].copy())
            self.count[0] = 0

    @property
    def steps(self) -> np.ndarray:
        self.flush()
        return np.concatenate(self._steps) if self._steps else np.zeros(0, np.int64)

    @property
    def t(self) -> np.ndarray:
        from .units import mark_si
        return mark_si((self.steps * self._dt).astype(float))  # seconds, accepted back (SpikeSource(times=mon.t))

    @property
    def i(self) -> np.ndarray:
        self.flush()
        return np.concatenate(self._idx) if self._idx else np.zeros(0, np.int32)

    @property
    def counts(self) -> np.ndarray:
        """Number of spikes of each neuron."""
        return np.bincount(self.i, minlength=self.source.n)

    def __len__(self) -> int:
        return int(self.i.size)

    def _rows(self) -> list[tuple[str, object]]:
        t = self.t
        span = f"{t[0]:g} to {t[-1]:g} s" if t.size else "none yet"
        return [("population", f"{self.source.index} ({type(self.source.model).__name__}, n={self.source.n})"),
                ("spikes", len(self)), ("times", span)]

    def __repr__(self) -> str:
        return f"<SpikeMonitor of population {self.source.index} (n={self.source.n}): {len(self)} spikes>"

    def _repr_html_(self) -> str:
        return _html_table("SpikeMonitor", self._rows())

    def to_pandas(self) -> "pandas.DataFrame":
        """The spikes as a pandas DataFrame with columns ``t`` (seconds) and ``i`` (neuron index), in
        time order. Needs pandas (optional: ImportError naming it when it is missing)."""
        pd = _pandas()
        return pd.DataFrame({"t": self.t, "i": self.i})


class StateMonitor:
    """Samples of a state variable (or of the weights of a projection) every ``every`` steps.

    ``.t`` (seconds) and ``.values`` (samples x recorded indices). A sample at time t is the state
    at the start of step t, before that step's update.
    """

    def __init__(self, target: "Population | Projection", var: str, every_steps: int, indices: np.ndarray,
                 row: int | None, is_weight: bool):
        self.target = target
        self.var = var
        self.every = int(every_steps)
        self.indices = np.asarray(indices, dtype=np.int64)
        self.row = -1 if row is None else int(row)
        self.is_weight = is_weight
        self._chunks: list[np.ndarray] = []
        self._tchunks: list[np.ndarray] = []
        self._dt = target.net.dt
        self.buffer = np.zeros((0, self.indices.size))
        self.first = 0

    def prepare(self, t_start: int, t_stop: int) -> None:
        """Allocate the samples of steps [t_start, t_stop) that fall on the sampling grid."""
        first = -(-t_start // self.every) * self.every
        n = 0 if first >= t_stop else (t_stop - 1 - first) // self.every + 1
        self.first = first
        dtype = self.target.w.dtype if self.is_weight else self.target.S.dtype
        self.buffer = np.zeros((n, self.indices.size), dtype)

    def collect(self) -> None:
        if self.buffer.shape[0]:
            self._chunks.append(self.buffer)
            self._tchunks.append(self.first + self.every * np.arange(self.buffer.shape[0]))
        self.buffer = np.zeros((0, self.indices.size))

    @property
    def t(self) -> np.ndarray:
        from .units import mark_si
        return mark_si(((np.concatenate(self._tchunks) if self._tchunks else np.zeros(0, np.int64))
                        * self._dt).astype(float))

    @property
    def values(self) -> np.ndarray:
        if not self._chunks:
            return np.zeros((0, self.indices.size))
        return np.concatenate(self._chunks, axis=0)

    def _what(self) -> str:
        kind = "projection" if self.is_weight else "population"
        return f"{self.var} of {kind} {self.target.index}"

    def __repr__(self) -> str:
        n = sum(c.shape[0] for c in self._chunks)
        return (f"<StateMonitor {self._what()}: {self.indices.size} recorded, every {self.every} steps, "
                f"{n} samples>")

    def _repr_html_(self) -> str:
        t = self.t
        return _html_table("StateMonitor", [("variable", self._what()), ("recorded indices", self.indices.size),
                                            ("every", f"{self.every} steps ({self.every * self._dt * 1e3:g} ms)"),
                                            ("samples", t.size),
                                            ("times", f"{t[0]:g} to {t[-1]:g} s" if t.size else "none yet")])

    def to_pandas(self, long: bool = False) -> "pandas.DataFrame":
        """The samples as a pandas DataFrame: by default one row per sample time (index ``t``, seconds)
        and one column per recorded index; ``long=True`` gives columns ``t``, ``index``, ``var`` (one row
        per sample and index). Needs pandas (optional: ImportError naming it when it is missing)."""
        pd = _pandas()
        t, values = self.t, self.values
        if long:
            return pd.DataFrame({"t": np.repeat(t, self.indices.size), "index": np.tile(self.indices, t.size),
                                 self.var: values.reshape(-1)})
        frame = pd.DataFrame(values, index=pd.Index(t, name="t"), columns=pd.Index(self.indices, name="index"))
        return frame
