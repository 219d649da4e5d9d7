"""A soak of the model service: many train / pause / resume / stop cycles and rapid inspections.

Used by the robustness tests and by ``benchmarks/soak.py`` to report threads and memory.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from cnnviz.core.config import reference_config


def resident_memory_mb() -> float:
    """This process's resident memory (Linux ``/proc``; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def wait_until(app, condition, timeout: float = 30.0) -> bool:
    """Process ``app``'s events until ``condition()`` holds; False if ``timeout`` seconds pass first."""
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            return False
        app.processEvents()
        time.sleep(0.001)
    return True


def soak(app, service, cycles: int = 50, inspections: int = 1000) -> dict:
    """Drive ``service`` (already holding a model) hard; returns what was measured.

    Every cycle trains, pauses, resumes and stops; bursts of inspection requests go out while it
    trains and while idle. Results must arrive for newer requests only (never a stale one).
    """
    from cnnviz.service import payloads as p

    threads_before = None
    delivered: list[int] = []
    requested: list[int] = []
    service.sig_inspection_finished.connect(lambda result: delivered.append(result.request_id))
    finished = []
    service.sig_training_finished.connect(finished.append)
    rng = np.random.default_rng(0)
    config = reference_config()
    images = rng.random((16, *config.input_shape), dtype=np.float32)
    training = config.with_training(train_subset=320, batch_size=32, epochs=3,
                                                validation_split=0.0).training
    memory = []
    per_cycle = max(1, inspections // (2 * cycles))
    for cycle in range(cycles):
        count = len(finished)
        service.train(training=training)
        assert wait_until(app, lambda: service.state == p.TRAINING), "training did not start"
        for index in range(per_cycle):
            requested.append(service.inspect(images[(cycle + index) % len(images)][None]))
        service.pause()
        assert wait_until(app, lambda: service.state == p.PAUSED), "pause did not take effect"
        service.resume()
        assert wait_until(app, lambda: service.state == p.TRAINING), "resume did not take effect"
        service.stop()
        assert wait_until(app, lambda count=count: len(finished) > count), "stop did not take effect"
        assert wait_until(app, lambda: service.state == p.IDLE), "the service did not return to idle"
        for index in range(per_cycle):
            requested.append(service.inspect(images[index % len(images)][None]))
        memory.append(resident_memory_mb())
        if threads_before is None:
            # After one cycle: the engine's own helper thread for its second chunk now exists.
            threads_before = threading.active_count()
    assert wait_until(app, lambda: delivered and delivered[-1] == requested[-1]), "the newest request got no answer"
    app.processEvents()
    warm = memory[min(5, len(memory) - 1)]
    return {
        "cycles": cycles, "inspection_requests": len(requested), "inspection_results": len(delivered),
        "stale_results": sum(1 for earlier, later in zip(delivered, delivered[1:]) if later <= earlier),
        "threads_after_first_cycle": threads_before, "threads_after": threading.active_count(),
        "memory_after_warmup_mb": warm, "memory_at_end_mb": memory[-1], "memory_growth_mb": memory[-1] - warm,
        "stopped_runs": sum(1 for item in finished if item.reason == "stopped"),
    }
