"""What the tasks of a multi-worker run tell each other, through the strategy's own all-reduce.

Only the chief reads and writes the run folder. At the start it sends the others the run's spec and state (or the
reason it cannot start); after it restores or initialises a model, it sends every variable; each step carries the
tasks' stop requests, so a cancel on any task stops all of them at the same step. Sending is a sum in which every
task but the chief adds zeros, exact in float64 for bytes, integers and float32 values. With one task (no cluster)
every function here returns at once.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from sesr_core.errors import SesrError
from sesr_core.training._tf import tf
from sesr_core.training.tf_config import SINGLE_PROCESS, ClusterRole, cluster_role

# Errors TensorFlow raises in a collective when another task died, closed its socket or stopped answering.
LOST_TASK_ERRORS = (tf.errors.UnavailableError, tf.errors.AbortedError, tf.errors.DeadlineExceededError,
                    tf.errors.CancelledError, tf.errors.InternalError)


def strategy_role(strategy: tf.distribute.Strategy) -> ClusterRole:
    """This process's role under ``strategy``: a cluster task for multi-worker, a single process otherwise."""
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return cluster_role()
    return SINGLE_PROCESS


def _sum_over_tasks(strategy: tf.distribute.Strategy, role: ClusterRole, values: np.ndarray) -> np.ndarray:
    """The sum over all tasks of each task's ``values`` (float64, the same length everywhere)."""
    tensor = tf.constant(np.asarray(values, np.float64))
    summed = strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(lambda: tf.identity(tensor)), axis=None)
    local_replicas = strategy.num_replicas_in_sync // role.num_tasks  # each adds its task's values once
    return summed.numpy() / local_replicas


def chief_sends(strategy: tf.distribute.Strategy, role: ClusterRole, message: dict | None) -> dict:
    """The chief's ``message`` (JSON-able) on every task; other tasks pass None."""
    if role.num_tasks == 1:
        return message or {}
    payload = json.dumps(message).encode() if role.is_chief else b""
    length = int(_sum_over_tasks(strategy, role, np.array([len(payload)]))[0])
    data = np.frombuffer(payload, np.uint8) if role.is_chief else np.zeros(length)
    received = _sum_over_tasks(strategy, role, data)
    return json.loads(bytes(np.rint(received).astype(np.uint8)).decode())


def tasks_failing(strategy: tf.distribute.Strategy, role: ClusterRole, failed: bool) -> int:
    """How many tasks report ``failed`` (every task calls this at the same point)."""
    if role.num_tasks == 1:
        return int(failed)
    return int(round(_sum_over_tasks(strategy, role, np.array([float(failed)]))[0]))


def chief_variables(strategy: tf.distribute.Strategy, role: ClusterRole, variables: Sequence[tf.Variable],
                    flag: bool = False) -> bool:
    """Give every task the chief's values of ``variables`` (restored or initialised there); returns its ``flag``."""
    if role.num_tasks == 1:
        return flag
    sizes = [int(np.prod(v.shape)) for v in variables]
    if role.is_chief:
        flat = np.concatenate([[float(flag)], *[np.asarray(v.numpy(), np.float64).ravel() for v in variables]])
    else:
        flat = np.zeros(1 + sum(sizes))
    received = _sum_over_tasks(strategy, role, flat)
    offset = 1
    for variable, size in zip(variables, sizes, strict=True):
        values = received[offset:offset + size].reshape(variable.shape)
        variable.assign(values.astype(variable.dtype.as_numpy_dtype))
        offset += size
    return bool(received[0])


@contextlib.contextmanager
def scratch_folder(role: ClusterRole) -> Iterator[Path]:
    """A temporary folder, outside any run folder, for what a non-chief task must write (its checkpoint copies)."""
    folder = Path(tempfile.mkdtemp(prefix=f"sesr-{role.task_type}-{role.task_id}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def lost_task_error(role: ClusterRole, run_dir: Path, err: Exception) -> SesrError:
    """The sentence for a collective that failed because another task stopped or cannot be reached."""
    detail = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
    return SesrError(f"Another task of the cluster stopped or cannot be reached ({detail}); see its output, then "
                     f"start every task again with: sesr train --resume {run_dir}")
