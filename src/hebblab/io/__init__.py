"""Reading and writing networks: Brain Simulator II XML (:mod:`hebblab.io.bs2`)."""

from . import bs2

__all__ = ["bs2"]
