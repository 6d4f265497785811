"""This process's place in a multi-worker cluster, read from ``TF_CONFIG`` (no TensorFlow here).

The chief is the ``chief`` task when the cluster has one, else ``worker`` 0: it alone owns the run folder. Every other
task follows the chief: it trains in lock-step and keeps only temporary files of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from sesr_core.errors import SesrError

TRAINING_JOBS = ("chief", "worker")


@dataclass(frozen=True)
class ClusterRole:
    """``task_type``/``task_id`` of this process among ``num_tasks`` training tasks (1 task: no cluster)."""

    task_type: str = "worker"
    task_id: int = 0
    num_tasks: int = 1
    has_chief_job: bool = False

    @property
    def is_chief(self) -> bool:
        if self.has_chief_job:
            return self.task_type == "chief"
        return self.task_type == "worker" and self.task_id == 0

    @property
    def name(self) -> str:
        """``worker 1``, ``chief 0``: how messages name this task."""
        return f"{self.task_type} {self.task_id}"

    @property
    def chief_name(self) -> str:
        return "chief 0" if self.has_chief_job else "worker 0"


SINGLE_PROCESS = ClusterRole()


def cluster_role(environ: Mapping[str, str] | None = None) -> ClusterRole:
    """The role ``TF_CONFIG`` gives this process; a single process when it is unset."""
    raw = (os.environ if environ is None else environ).get("TF_CONFIG", "").strip()
    if not raw:
        return SINGLE_PROCESS
    hint = "set it as docs/CLUSTER.md shows"
    try:
        config = json.loads(raw)
        cluster, task = config["cluster"], config["task"]
        task_type, task_id = str(task["type"]), int(task["index"])
        jobs = {job: list(addresses) for job, addresses in cluster.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise SesrError(f"TF_CONFIG is not a valid cluster description ({type(err).__name__}: {err}); {hint}.") \
            from None
    unknown = sorted(set(jobs) - set(TRAINING_JOBS))
    if unknown or task_type not in TRAINING_JOBS:
        raise SesrError(f"TF_CONFIG names a '{(unknown or [task_type])[0]}' task, but multi-worker training runs only "
                        f"'chief' and 'worker' tasks; {hint}.")
    if not 0 <= task_id < len(jobs.get(task_type, [])):
        raise SesrError(f"TF_CONFIG says this is {task_type} {task_id}, but its cluster lists "
                        f"{len(jobs.get(task_type, []))} {task_type} address(es); {hint}.")
    return ClusterRole(task_type, task_id, sum(len(a) for a in jobs.values()), "chief" in jobs)
