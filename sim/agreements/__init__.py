"""Staged agreements: the kinds of agreement a scenario declares (a truce, a ceasefire, a
settlement), which kind is proposed, how parties value a partial deal, votes after a
delay, veto players, and how long an agreement in force holds.

The scenario side is :mod:`sim.agreements.spec` (plain dataclasses, imported by
:mod:`sim.scenario`); the model side is :mod:`sim.agreements.book` (the state over the
replicates, called from the phases of :meth:`sim.model.NegotiationModel.step`); the
calendar and the per-round and per-date estimates are :mod:`sim.agreements.calendar` and
:mod:`sim.agreements.stages`. This file imports nothing so that the scenario can import
the specs without the model.
"""
