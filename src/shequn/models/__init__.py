"""The lessons' models: one module per model, named for the concept it models.

===========================  ========================================================
``traffic``                  introduction: traffic (流量) versus retained users (留量)
``connectors``               lesson 1: how firms connect to consumers, era by era
``networks``                 lesson 2: star (fan economy) vs mesh (community economy), strong nodes
``network_plots``            lesson 2: the figures and tables of ``networks``
``red_packets``              lesson 2: red packets wake lurkers, but only for a while
``gas_station``              lesson 3: product economy vs user economy (the gas-station story)
``magnets``                  lesson 3: the magnet (电磁效应) claim under explicit assumptions
``influence``                lesson 3: strong nodes and how far they reach
``content_mix``              lesson 4: how the mix of PGC and UGC keeps a community active
``content_mix_scenarios``    lesson 4: the tables, sensitivity check and figure of ``content_mix``
``thresholds``               lesson 5: entry thresholds (门槛) and who ends up in the group
``lifecycle``                synthesis: a community's lifecycle, stage by stage, on group-chat tables
===========================  ========================================================

Import the model you need (``from shequn.models import traffic``); this package imports
nothing on its own, so ``import shequn.models`` stays cheap.  The models belong to the
learner layer: they import only ``shequn.data``, ``shequn.metrics``, ``shequn.plotting`` and
each other, never ``shequn.site`` or ``shequn.grading`` (``tests/test_layers.py``).
"""
