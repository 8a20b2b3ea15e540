"""The article's claims, one row each, and the verdict the experiments give them.

The article: Charles Simon, "Machine Learning Is Not Like Your Brain, Part 6: The Importance of
Precise Synapse Weights and the Ability to Set Them Quickly" (KDnuggets, August 2022). Each claim
below is the article's point in a few words (quoted where the words are the article's own) and
names the experiment that decides it. The experiment's ``verdicts(result)`` returns a
:class:`~hebblab.experiments.base.Verdict` per claim it decides, computed from its numbers by a
criterion it states in words; :func:`decide` joins them into the report's table and
``claims.json``. A ``verdicts`` that also takes ``others`` is given the other experiments'
results of the same report (binary-burst states the capacity cost memory-capacity measures).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

ARTICLE = ('Charles Simon, "Machine Learning Is Not Like Your Brain, Part 6: The Importance of Precise Synapse '
           'Weights and the Ability to Set Them Quickly" (KDnuggets, 2022)')


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    experiment: str


CLAIMS = (
    Claim("stdp-only", "\u201cthe weight of a synapse can only be changed by near-concurrent firing of the two neurons "
          "it connects\u201d (the STDP window)", "stdp-window"),
    Claim("scatter", "Figure A's scatter means \u201cthe ability to set a synapse to any specific value is very "
          "limited\u201d", "write-cost"),
    Claim("256-pairings", "256 values need 256 pairings, about a second at 4 ms per pairing", "write-cost"),
    Claim("no-readback", "there is no way to know a synapse's current weight, so every write is open-loop",
          "write-cost"),
    Claim("no-addressing", "\u201cthere is no way to fire a specific neuron in the network\u201d, so one synapse "
          "cannot be set on its own", "addressing"),
    Claim("use-modifies", "any use of the network modifies the weights stored in it", "use-drift"),
    Claim("no-ml-weights", "storing specific values in specific synapses, as a trained ML network needs, is "
          "implausible", "backprop-precision"),
    Claim("threshold", "with bursts of 5 spikes, a weight above 0.2 represents a 1", "binary-burst"),
    Claim("one-burst", "a binary synapse learns in a single burst", "binary-burst"),
    Claim("immune", "a binary synapse is immune to random changes in memory content", "binary-burst"),
    Claim("importance", "the analog weight is the bit's importance: how likely it is to be forgotten",
          "binary-burst"),
    Claim("one-burst-and-immune", "a binary synapse \u201ccan learn in a single burst and is immune to random changes "
          "in memory content\u201d, both at once, while new memories keep arriving", "memory-capacity"),
)


def decide(results: dict) -> list[dict]:
    """One row per claim: ``claim``, ``id``, ``verdict``, ``experiment``, ``headline``, ``value``,
    ``ci95`` (None unless the value is an estimate), ``bound`` (``at_least``/``at_most`` or None),
    ``criterion``, ``conditions``. ``results`` maps experiment names to their Result; a claim
    whose experiment did not run gets the verdict ``not run``."""
    from .experiments import EXPERIMENTS
    from .stats import is_bound, is_estimate, point

    by_exp: dict[str, dict] = {}
    for name, result in results.items():
        exp = EXPERIMENTS[name]
        if not exp.verdicts:
            found = []
        elif "others" in inspect.signature(exp.verdicts).parameters:
            found = exp.verdicts(result, others={k: r for k, r in results.items() if k != name})
        else:
            found = exp.verdicts(result)
        by_exp[name] = {v.claim: v for v in found}
    rows = []
    for c in CLAIMS:
        row = dict(claim=c.text, id=c.id, experiment=c.experiment, verdict="not run", headline=None, value=None,
                   ci95=None, bound=None, criterion="", conditions="")
        v = by_exp.get(c.experiment, {}).get(c.id)
        if v is not None:
            value = results[c.experiment].get(v.headline)
            row.update(verdict=v.verdict, headline=v.headline, value=point(value), criterion=v.criterion,
                       conditions=v.conditions, display=value, label=v.label, note=v.note,
                       format=dict(unit=v.unit, percent=v.percent, digits=v.digits))
            if is_estimate(value):
                row["ci95"] = list(value["ci95"])
            if is_bound(value):
                row["bound"] = "at_least" if "at_least" in value else "at_most"
        rows.append(row)
    return rows
