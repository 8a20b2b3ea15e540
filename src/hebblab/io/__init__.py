"""Reading and writing networks: hebblab's own network files (:mod:`hebblab.io.netfile`:
``Network.save``, ``hebblab.load``) and Brain Simulator II XML (:mod:`hebblab.io.bs2`)."""

from . import bs2, netfile
from .netfile import NetworkFileError, load

__all__ = ["bs2", "netfile", "load", "NetworkFileError"]
