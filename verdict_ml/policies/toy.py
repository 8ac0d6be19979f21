"""A synthetic chat corpus and a scripted reward with a known preference.

Used by the tests, the benchmark and the demo rounds: the corpus is small enough for a tiny policy to
learn in seconds, and the reward's preference (words from a given set) is one the policy can reach.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence

NOUNS = (
    "cat", "dog", "bird", "fish", "horse", "garden", "river", "forest", "city", "house",
    "book", "song", "tree", "flower", "mountain", "ocean", "train", "road", "lamp", "cake",
)
ADJECTIVES = (
    "happy", "bright", "kind", "gentle", "small", "large", "old", "new",
    "quiet", "loud", "dark", "cold", "slow", "fast", "green", "heavy",
)
VERBS = ("run", "sing", "rest", "grow", "shine", "move", "sleep", "play", "wait", "stay")
PROMPTS = (
    "Tell me about the {noun}.",
    "What is the {noun} like?",
    "Describe a {noun}.",
    "Say something about the {noun}.",
)
RESPONSES = (
    "The {noun} is {adj} and {adj2}.",
    "A {noun} can be very {adj}.",
    "I think the {noun} is {adj}.",
    "The {adj} {noun} likes to {verb}.",
    "Every {noun} is {adj} in the morning and {adj2} at night.",
    "The {noun} will {verb} when it is {adj}.",
)
DEFAULT_PREFERRED_WORDS = frozenset({"happy", "bright", "kind", "gentle"})
_WORD = re.compile(r"[a-z]+")


def toy_chat_examples(
    n: int, *, seed: int = 0, nouns: Sequence[str] = NOUNS
) -> list[tuple[list[dict[str, str]], str]]:
    """`n` (prompt messages, response) pairs drawn from the templates above, about `nouns`."""
    rng = random.Random(seed)
    examples = []
    for _ in range(n):
        noun = rng.choice(nouns)
        adj, adj2 = rng.sample(ADJECTIVES, 2)
        prompt = rng.choice(PROMPTS).format(noun=noun)
        response = rng.choice(RESPONSES).format(noun=noun, adj=adj, adj2=adj2, verb=rng.choice(VERBS))
        examples.append(([{"role": "user", "content": prompt}], response))
    return examples


def toy_prompts(n: int, *, seed: int = 0, nouns: Sequence[str] = NOUNS) -> list[list[dict[str, str]]]:
    return [prompt for prompt, _ in toy_chat_examples(n, seed=seed, nouns=nouns)]


def toy_vocabulary() -> set[str]:
    words: set[str] = set(NOUNS) | set(ADJECTIVES) | set(VERBS)
    for template in PROMPTS + RESPONSES:
        words.update(_WORD.findall(re.sub(r"\{\w+\}", " ", template.lower())))
    return words


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def word_preference_reward(
    preferred: Iterable[str] = DEFAULT_PREFERRED_WORDS,
) -> Callable[[list[list[dict[str, str]]], list[str]], list[float]]:
    """Reward = share of a response's words that are in `preferred` (0 for an empty response)."""
    wanted = frozenset(word.lower() for word in preferred)

    def reward(prompts: list[list[dict[str, str]]], responses: list[str]) -> list[float]:
        scores = []
        for response in responses:
            words = words_of(response)
            scores.append(sum(word in wanted for word in words) / len(words) if words else 0.0)
        return scores

    return reward
