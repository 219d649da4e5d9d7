"""The Explain tab: attribution maps of the current input, live while drawing, and their sanity checks.

Thin views (:mod:`.method_form`, :mod:`.overlay_view`, :mod:`.sanity_view`, put together in
:mod:`.panel`) wired to the model service by :mod:`.controller`; every map and check is computed on
the service's worker (:mod:`cnnviz.service.attribution_jobs`).
"""
