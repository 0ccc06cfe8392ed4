"""The brief vocabulary (``vocabulary.yaml``) and the places file, loaded once, indexed by phrase.

``vocabulary()`` returns a ``Vocabulary``: the raw sections, plus ``index``, a map from a phrase
(a tuple of normalised words) to its ``Role``s. Every phrase is normalised exactly like brief
text (``text.Doc``), and the last word of each phrase also matches its plural. ``hints(step)``
renders the word-to-field mappings of one wizard step as Markdown lines, for the agent's prompts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from generators.brief.text import Doc

HERE = Path(__file__).parent
VOCABULARY_FILE = HERE / "vocabulary.yaml"
PLACES_FILE = HERE / "data" / "us_places.yaml"
MAX_PHRASE = 7


@dataclass(frozen=True)
class Role:
    """What a phrase means: ``kind`` (label, rate, concept, cue, noun, state, region, city,
    nationwide, generation, attribution, unsupported) and its payload."""

    kind: str
    field: str = ""
    value: Any = None


def plural(word: str) -> str:
    """The plural of a phrase's last word ("gamer" -> "gamers"); a word in -s stays as it is."""
    if word.endswith("s"):
        return word
    if word.endswith(("x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


class Vocabulary:
    """The parsed vocabulary and its phrase index."""

    def __init__(self, data: dict[str, Any], places: dict[str, Any]):
        self.data = data
        self.places = places
        self.grammar = data["grammar"]
        self.abbreviations = {str(k): str(v) for k, v in self.grammar["abbreviations"].items()}
        self.index: dict[tuple[str, ...], list[Role]] = {}
        self._words: dict[str, tuple[str, ...]] = {}
        self._phrases: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        self.fillers = {w for p in self.grammar["fillers"] for w in self.words(str(p))}
        self.state_names = {code: name for code, name in places["states"].items()}
        self._build()

    def words(self, phrase: str) -> tuple[str, ...]:
        """A phrase as the normalised words a brief's tokens are compared with (cached)."""
        found = self._words.get(phrase)
        if found is None:
            found = tuple(t.text for t in Doc.parse(phrase, self.abbreviations).tokens)
            self._words[phrase] = found
        return found

    def phrases(self, *keys: str) -> set[tuple[str, ...]]:
        """A word list of the vocabulary as normalised phrases (cached): a grammar key
        (``phrases("rest")``) or a path of keys (``phrases("ages", "cues")``)."""
        found = self._phrases.get(keys)
        if found is None:
            node: Any = self.grammar if len(keys) == 1 else self.data
            for key in keys:
                node = node[key]
            found = self._phrases[keys] = {self.words(str(p)) for p in node}
        return found

    def _add(self, phrase: str, role: Role, plurals: bool = True) -> None:
        words = self.words(str(phrase))
        if not words:
            return
        forms = [words]
        if plurals and words[-1].isalpha() and len(words[-1]) > 2:
            forms.append((*words[:-1], plural(words[-1])))
        for form in forms:
            roles = self.index.setdefault(form, [])
            if role not in roles:
                roles.append(role)

    def _build(self) -> None:
        data = self.data
        for field, spec in data["weights"].items():
            for label, phrases in (spec.get("labels") or {}).items():
                for phrase in phrases:
                    self._add(phrase, Role("label", field, label))
        for field, spec in data["rates"].items():
            for label, phrases in spec["labels"].items():
                for phrase in phrases:
                    self._add(phrase, Role("rate", field, label))
        for number, concept in enumerate(data["concepts"]):
            for phrase in concept["phrases"]:
                self._add(phrase, Role("concept", value=number))
        for number, measure in enumerate(data["measures"]):
            for phrase in measure.get("cues", []):
                self._add(phrase, Role("cue", measure["path"], number), plurals=False)
            for phrase in measure.get("nouns", []):
                self._add(phrase, Role("noun", measure["path"], number), plurals=False)
        for generation in data["ages"]["generations"]:
            for phrase in generation["names"]:
                self._add(phrase, Role("generation", value=tuple(generation["born"])))
        for model, phrases in data["attribution_models"].items():
            for phrase in phrases:
                self._add(phrase, Role("attribution", value=model))
        for entry in data["unsupported"]:
            for phrase in entry["phrases"]:
                self._add(phrase, Role("unsupported", value=entry["reason"]))
        self._places()

    def _places(self) -> None:
        places = self.data["places"]
        for code, name in self.state_names.items():
            self._add(name, Role("state", value=code), plurals=False)
            self._add(code, Role("state", value=code), plurals=False)
        for code, aliases in places["aliases"].items():
            for alias in aliases:
                self._add(alias, Role("state", value=code), plurals=False)
        for phrase in places["nationwide"]:
            self._add(phrase, Role("nationwide"), plurals=False)
        for region in places["regions"]:
            states = tuple(region["states"])
            for name in region["names"]:
                self._add(name, Role("region", value=states), plurals=False)
        names = {self.words(n) for n in self.state_names.values()}
        for name, code, _population in self.places["cities"]:  # largest first: it wins a name
            words = self.words(name)
            if words in names or any(r.kind == "city" for r in self.index.get(words, [])):
                continue
            self._add(name, Role("city", value=code), plurals=False)

    def measure(self, number: int) -> dict[str, Any]:
        return self.data["measures"][number]

    def concept(self, number: int) -> dict[str, Any]:
        return self.data["concepts"][number]


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary, parsed once per process."""
    with VOCABULARY_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    with PLACES_FILE.open(encoding="utf-8") as handle:
        places = yaml.safe_load(handle)
    return Vocabulary(data, places)
