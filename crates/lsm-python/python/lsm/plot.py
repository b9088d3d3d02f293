"""A raster plot of spike trains (matplotlib, imported only when called)."""


def raster(spikes, ax=None, s=2.0, **kwargs):
    """Draw ``spikes`` (a ``SpikeTrains``) as a raster: time (ms) against channel. Returns the
    matplotlib axes. Needs matplotlib (``pip install matplotlib``); lsm does not."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("lsm.raster needs matplotlib: pip install matplotlib") from e
    ch, t = spikes.to_numpy()
    if ax is None:
        _, ax = plt.subplots()
    ax.scatter(t, ch, s=s, marker="|", **kwargs)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("channel")
    ax.set_xlim(0, spikes.duration)
    return ax
