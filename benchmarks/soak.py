"""Soak the model service and print threads, memory and stale results: `python benchmarks/soak.py`."""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from cnnviz.bench.soak import soak, wait_until  # noqa: E402
from cnnviz.core.config import reference_config  # noqa: E402
from cnnviz.service.model_service import ModelService  # noqa: E402


def main() -> int:
    app = QApplication([])
    service = ModelService(run_root=False)
    built = []
    service.sig_model_changed.connect(built.append)
    service.build(reference_config())
    wait_until(app, lambda: bool(built))
    result = soak(app, service, cycles=int(sys.argv[1]) if len(sys.argv) > 1 else 50)
    result["shut_down_cleanly"] = service.shutdown(timeout=5)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
