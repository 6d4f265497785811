"""The Models page's operations on the user's model library: import (validated by the runtime), rename, delete."""

from __future__ import annotations

from sesr_core.models.user_models import delete_model as delete_model
from sesr_core.models.user_models import rename_model as rename_model
from sesr_core.runtime.model_import import import_model as import_model
