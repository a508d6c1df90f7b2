"""The weekly choice between the new tool and the legacy one: a binary logit on the
utility difference (McFadden 1974), with and without control pressure on the same draw."""

from __future__ import annotations

import numpy as np

from adoptsim.model import kernels
from adoptsim.model.arrays import flat, flat_as
from adoptsim.model.behavior import logistic


def decide(
    stage: np.ndarray,
    access: np.ndarray | None,
    u: np.ndarray,
    delta: np.ndarray,
    control: np.ndarray | None,
    *,
    work: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """This week's choices of the aware with access (all where ``access`` is None): use
    when ``u < logistic(delta + control)``; the same draw against ``logistic(delta)`` says
    whether they would use it without control. Returns ``(use, compliance)`` with
    compliance = use that only control explains; arrays of shape (R, N).

    ``work``: arrays to use instead of new ones: ``use`` (returned), the voluntary choices
    (``stage.size`` elements at least) and positions (int64, ``2 * stage.size`` at least).

    Decisions are taken on a float32 estimate of the logistic (adoptsim.model.kernels.choose)
    and, within kernels.DECISION_MARGIN of ``u``, on the float64 logistic of
    adoptsim.model.behavior: the same booleans as float64 everywhere.
    """
    shape = stage.shape
    has_control = control is not None
    ctrl = flat_as(control, shape) if has_control else np.zeros(0)
    if work is None:
        size = stage.size
        work = (np.empty(shape, bool), np.empty(size, bool), np.empty(2 * size, np.int64))
    use, voluntary, positions = work[0], work[1][: stage.size].reshape(shape), work[2]
    uf, df = flat(u), flat_as(delta, shape)
    unsure_ctrl, unsure_free = kernels.choose(
        flat(stage),
        np.zeros(0, bool) if access is None else flat_as(access, shape),
        access is not None,
        uf,
        df,
        ctrl,
        has_control,
        use.reshape(-1),
        voluntary.reshape(-1),
        positions,
    )
    # the few decisions too close for the estimate: float64, as in adoptsim.model.behavior
    if unsure_free.size:
        voluntary.reshape(-1)[unsure_free] = uf[unsure_free] < logistic(df[unsure_free])
    if not has_control:
        if unsure_free.size:
            use.reshape(-1)[unsure_free] = voluntary.reshape(-1)[unsure_free]
        return use, np.zeros(shape, dtype=bool)
    if unsure_ctrl.size:
        x = df[unsure_ctrl] + ctrl[unsure_ctrl]
        use.reshape(-1)[unsure_ctrl] = uf[unsure_ctrl] < logistic(x)
    return use, use & ~voluntary
