"""Training: the reply-template library (话术) and the agent exam, graded by the guard.

What an agent is taught is what the guard enforces: every template and every drill's
model answer must pass :class:`redline.guard.engine.Guard`, and drills are graded by
the same guard plus a rubric. Numeric exam answers are computed by
:mod:`redline.desk.policy`, never typed in twice. The material is data in
``training/data/`` (formats in ``training/data/FORMAT.md``), validated on load with
file:line errors.

May use ``redline.guard``, ``redline.desk`` and ``redline.model``; no store, web or CLI.
"""
