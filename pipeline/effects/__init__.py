"""Effect estimation: estimators (statsmodels) and the warehouse step writing marts.fct_effects."""

from .results import EffectResult, Term, bh_adjust
from .warehouse import EffectsSummary, run_effects

__all__ = ["EffectResult", "EffectsSummary", "Term", "bh_adjust", "run_effects"]
