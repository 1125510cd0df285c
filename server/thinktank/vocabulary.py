"""Specialties and the words that call for them: what a case's or a meeting's text is about.

The text is cut with the evaluation domain's jieba tokenizer (its user dictionary keeps local
words like 机耕路 whole and folds variants); data/specialty_keywords.txt maps words to
specialties, and circles (界别) whose members usually know a field map to specialties too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from server.errors import ValidationFailed

DATA = Path(__file__).with_name("data")

# Circles (界别) whose members usually know a field; used to suggest members by topic.
CIRCLE_SPECIALTIES = {
    "农业界": {"agriculture", "water"},
    "医药卫生界": {"health"},
    "中国农工民主党": {"health"},
    "教育界": {"education"},
    "中国民主促进会": {"education", "culture_tourism"},
    "经济界": {"economy"},
    "工商业联合会": {"economy"},
    "中国民主建国会": {"economy"},
    "科学技术界": {"planning", "environment", "water"},
    "九三学社": {"environment", "planning"},
    "文化艺术界": {"culture_tourism"},
    "社会福利和社会保障界": {"social_security", "elderly"},
    "中国民主同盟": {"education", "law"},
    "无党派人士": {"law"},
    "中国共产主义青年团": {"governance"},
    "中国共产党": {"governance"},
}


@lru_cache(maxsize=1)
def specialty_vocabulary() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Return the specialty names and the words that call for each (read once)."""
    names: dict[str, str] = {}
    words: dict[str, set[str]] = {}
    for line in (DATA / "specialty_keywords.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        code, name, *keywords = line.split()
        names[code] = name
        for word in keywords:
            words.setdefault(word, set()).add(code)
    return names, {w: frozenset(c) for w, c in words.items()}


def specialties() -> dict[str, str]:
    """Return the fixed specialty vocabulary: code → Chinese name, in file order."""
    return dict(specialty_vocabulary()[0])


@dataclass
class TextAnalysis:
    keywords: list[str]
    hits: Counter[str]  # specialty code → number of words that called for it

    @property
    def specialties(self) -> list[str]:
        return [code for code, _ in sorted(self.hits.items(), key=lambda kv: (-kv[1], kv[0]))]


def analyse(text: str) -> TextAnalysis:
    """Cut a text into keywords and count the specialties they call for."""
    from server.evaluation.topics import tokenize

    words = list(dict.fromkeys(tokenize(text)))
    vocabulary = specialty_vocabulary()[1]
    # Words the segmenter split differently are still found inside the raw text.
    for word in vocabulary:
        if len(word) >= 2 and word in text and word not in words:
            words.append(word)
    hits: Counter[str] = Counter()
    for word in words:
        for code in vocabulary.get(word, ()):
            hits[code] += 1
    return TextAnalysis(words, hits)


def split_codes(value: str) -> list[str]:
    """Split codes stored as "|a|b|" into a list."""
    return [part for part in value.split("|") if part]


def join_codes(values: list[str]) -> str:
    """Store codes as one "|a|b|" text (each once, in order), searchable with LIKE."""
    return "|" + "|".join(dict.fromkeys(v.strip() for v in values if v.strip())) + "|"


def check_specialties(codes: list[str]) -> None:
    """Refuse specialty codes that are not in the vocabulary."""
    unknown = [c for c in codes if c not in specialties()]
    if unknown:
        raise ValidationFailed(errors={"specialties": [f"未知专业领域：{'、'.join(unknown)}"]})
