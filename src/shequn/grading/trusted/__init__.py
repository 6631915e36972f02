"""Trusted execution: the tests run in the grader process (:mod:`~shequn.grading.trusted.execute`),
the learner's answers cross the sandbox as data (:mod:`~shequn.grading.trusted.channel`, checked by
:mod:`~shequn.grading.trusted.answer_data`; the kernel's half is
:mod:`~shequn.grading.trusted.kernel_codec` and :mod:`~shequn.grading.trusted.kernel_bridge`) and
are held as stand-ins (:mod:`~shequn.grading.trusted.stand_ins`)."""
