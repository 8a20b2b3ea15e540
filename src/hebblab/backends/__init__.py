"""Backends: ``numba_backend`` (compiled, generated per network structure) and ``reference``
(plain numpy and Python, the executable specification). Both run the same rules and draw the
same counter-based random numbers, so for a seed they give the same result.

A new backend (a GPU one, say) is another module with ``run(net, t_start, t_stop, progress)``.
"""
