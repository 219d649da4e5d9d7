"""The worker shares the interpreter with the window: it keeps the lock's waits short and loads what
NumPy imports on first use, so the interface thread never pays either."""

import os
import subprocess
import sys
import textwrap

_SCRIPT = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QCoreApplication
    app = QCoreApplication([])
    from cnnviz.core.config import reference_config
    from cnnviz.service.model_service import ModelService
    from cnnviz.service.worker import SWITCH_INTERVAL_S
    before = "numpy.ma" in sys.modules
    service = ModelService(run_root=False)
    interval = sys.getswitchinterval()
    service.build(reference_config())   # the first request; the worker idles after it
    end = time.perf_counter() + 60
    while "numpy.ma" not in sys.modules and time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)
    import os, threading
    time.sleep(0.2)
    pool = any(thread.name.startswith("cnnviz-numpy") for thread in threading.enumerate())
    cores = len(os.sched_getaffinity(0))
    print(before, "numpy.ma" in sys.modules, interval <= SWITCH_INTERVAL_S, pool == (cores > 1))
    service.shutdown()
""")


def test_the_worker_shortens_the_switch_interval_and_warms_up_off_the_interface_thread():
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=environment,
                            timeout=100)
    assert result.returncode == 0, result.stderr
    before, after, interval_ok, pool_ok = result.stdout.split()[-4:]
    assert before == "False"        # nothing imported it before the service started
    assert after == "True"          # the worker did, once idle after its first request
    assert interval_ok == "True"
    assert pool_ok == "True"        # the engine's chunk thread started before any batch (with two cores or more)
