"""The start of a run: check the request, then create (or reopen) the run folder, in a cluster with the chief deciding.

The chief checks its inputs and the folder and sends the other tasks the spec and state to use, or why it cannot
start; every task checks it can read the training data; the chief writes only when all of them can go.
"""

from __future__ import annotations

from pathlib import Path

from sesr_core.errors import SesrError
from sesr_core.file_kinds import why_not_a_folder
from sesr_core.models.presets import start_from_description
from sesr_core.training._tf import tf
from sesr_core.training.cluster import chief_sends, tasks_failing
from sesr_core.training.data import collect_image_files
from sesr_core.training.resume import resumed_spec
from sesr_core.training.run_folder import RunFolder, RunState
from sesr_core.training.spec import TrainSpec
from sesr_core.training.tf_config import ClusterRole


def start_run(role: ClusterRole, strategy: tf.distribute.Strategy, spec: TrainSpec, run: RunFolder,
              resume: bool) -> tuple[TrainSpec, bool]:
    """Check the request, then create (or reopen) the run folder; returns the spec to run and whether it was created.

    In a cluster the chief checks, tells the other tasks the spec and state to use (or why it cannot start), every
    task checks its data, and the chief writes only when all of them can go.
    """
    chief_error: SesrError | None = None
    message = None
    if role.is_chief:
        try:
            spec = chief_spec(spec, run, resume)
            message = {"spec": spec.to_dict(), "state": run.read_state().to_dict(), "run_dir": str(run.root)}
        except SesrError as err:
            if role.num_tasks == 1:
                raise
            chief_error, message = err, {"error": str(err)}
    message = chief_sends(strategy, role, message)
    if chief_error is not None:
        raise chief_error
    if "error" in message:
        raise SesrError(f"The chief ({role.chief_name}) could not start the run: {message['error']}")
    own_error: SesrError | None = None
    if not role.is_chief:
        spec = TrainSpec.from_dict(message["spec"])
        try:
            collect_image_files(spec.data_dirs)  # every task reads the training data at the chief's paths
        except SesrError as err:
            own_error = err
    if tasks_failing(strategy, role, own_error is not None):
        raise own_error or SesrError("Another task of the cluster cannot read the training data (see its output); "
                                     "make the --data folders readable at the same path on every host.")
    created = not resume and not run.root.exists()
    run.create(resume=resume and role.is_chief)
    spec.save(run.root)
    if not role.is_chief:
        run.write_state(RunState.from_dict(message["state"]), chief_run_dir=message["run_dir"])
    return spec, created


def chief_spec(spec: TrainSpec, run: RunFolder, resume: bool) -> TrainSpec:
    """The spec to run: the saved one (extended by larger step counts) to resume; else ``spec``, into a free folder."""
    if resume:
        run.create(resume=True)
        run.remove_temporaries()  # what a killed run left: a half-saved checkpoint, a state.json temporary
        spec = resumed_spec(TrainSpec.load(run.root), spec, run.read_state(), run.root)
    check_inputs(spec)
    if not resume:
        run.check_free()
    return spec


def check_inputs(spec: TrainSpec) -> None:
    """Fail before anything is written when a folder the spec names is missing or empty."""
    collect_image_files(spec.data_dirs)
    if spec.val_dir and not Path(spec.val_dir).is_dir():
        raise SesrError(f"The validation folder '{spec.val_dir}' {why_not_a_folder(spec.val_dir)}; check --val.")
    if spec.init_from:
        if not (Path(spec.init_from) / "spec.json").is_file():
            raise SesrError(f"'{spec.init_from}' is not a training run folder; check --init-from.")
        start_from_description(TrainSpec.load(Path(spec.init_from)).model, spec.model)
