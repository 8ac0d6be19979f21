"""Model judges (RLAIF): a reward model or a causal LM labelling comparison pairs with a preference
strength on the annotators' scale (−3 = response 1 much better … +3 = response 2 much better).
Django-free; the training app's judge job feeds it pairs and stores the labels."""
from verdict_ml.judges.lm import DEFAULT_TEMPLATE, parse_verdict, render_judge_prompt
from verdict_ml.judges.strength import DEFAULT_CUTS, probability_strength, reward_strength

__all__ = ["DEFAULT_CUTS", "DEFAULT_TEMPLATE", "parse_verdict", "probability_strength", "render_judge_prompt", "reward_strength"]
