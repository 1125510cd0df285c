"""Hot topics (热点): keywords and clusters of similar opinions from their Chinese text.

Text is cut by jieba with a user dictionary of local words (data/userdict.txt), stop words
are dropped (data/stopwords.txt) and variants residents write for one thing are folded to
one word (data/synonyms.txt: 田间路/生产路 → 机耕路, 电瓶车 → 电动车 …). Each opinion
becomes a TF-IDF vector; clusters are grown by leader clustering on cosine similarity,
refined by re-assignment to centroids, and clusters whose centroids are alike are merged.

Text analysis must read the texts, so this is the one place evaluation loads rows: at most
MAX_OPINIONS (newest first) per request, and the result is cached in Redis per data version.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import func, select

from server.common.text import SHANGHAI, mask_phones_in_text
from server.evaluation import keys
from server.evaluation.periods import Period
from server.evaluation.tree import _load_unit, _subtree_ids
from server.extensions import db, get_redis
from server.intake.models import Opinion

DATA = Path(__file__).with_name("data")
MAX_OPINIONS = 3000
JOIN_THRESHOLD = 0.2  # cosine similarity to a cluster's centroid to join it
MERGE_THRESHOLD = 0.45  # centroids this alike are one topic
_WORDLIKE = re.compile(r"[\u4e00-\u9fffA-Za-z]")


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Return the stop-word list."""
    return frozenset(_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """Return variant → canonical word."""
    mapping: dict[str, str] = {}
    for line in _lines("synonyms.txt"):
        canonical, *variants = line.split()
        mapping[canonical] = canonical
        for variant in variants:
            mapping[variant] = canonical
    return mapping


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    """Build jieba's tokenizer once per process, on first use (no work at import time)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for line in _lines("userdict.txt"):  # "word [freq] [tag]", our comments skipped
        word, *rest = line.split()
        tokenizer.add_word(word, freq=int(rest[0]) if rest else None,
                           tag=rest[1] if len(rest) > 1 else None)
    for word in synonyms():  # variants must also be cut whole
        tokenizer.add_word(word, freq=800)
    return tokenizer


def tokenize(text: str) -> list[str]:
    """Cut a text into canonical content words (stop words and punctuation dropped)."""
    stops = stop_words()
    folded = synonyms()
    words = []
    for raw in _tokenizer().cut(text):
        word = raw.strip()
        if not word or not _WORDLIKE.search(word) or word in stops:
            continue
        word = folded.get(word, word)
        if len(word) < 2 and word not in folded.values():
            continue
        words.append(word)
    return words


# ---- clustering ------------------------------------------------------------------------------


Vector = dict[str, float]


def _cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def _normalise(v: Vector) -> Vector:
    norm = math.sqrt(sum(w * w for w in v.values()))
    return {t: w / norm for t, w in v.items()} if norm else {}


def _vectors(docs: Sequence[list[str]]) -> list[Vector]:
    df: Counter[str] = Counter()
    for words in docs:
        df.update(set(words))
    n = len(docs)
    # A word only one opinion uses cannot link it to another; it would only dilute the vector.
    min_df = 2 if n >= 10 else 1
    vectors = []
    for words in docs:
        tf = Counter(w for w in words if df[w] >= min_df)
        vectors.append(_normalise({t: (1 + math.log(c)) * math.log(1 + n / df[t])
                                   for t, c in tf.items()}))
    return vectors


def _centroid(members: list[int], vectors: list[Vector]) -> Vector:
    total: dict[str, float] = defaultdict(float)
    for i in members:
        for t, w in vectors[i].items():
            total[t] += w
    return _normalise(total)


def cluster(texts: Sequence[str]) -> list[list[int]]:
    """Group texts about the same matter; return lists of indexes, largest group first."""
    docs = [tokenize(t) for t in texts]
    vectors = _vectors(docs)
    groups: list[list[int]] = []
    centroids: list[Vector] = []
    for i, v in enumerate(vectors):
        if not v:
            continue
        best, score = -1, 0.0
        for k, c in enumerate(centroids):
            s = _cosine(v, c)
            if s > score:
                best, score = k, s
        if best >= 0 and score >= JOIN_THRESHOLD:
            groups[best].append(i)
            centroids[best] = _centroid(groups[best], vectors)
        else:
            groups.append([i])
            centroids.append(v)
    for _ in range(3):  # re-assign to the final centroids, so order matters less
        fresh: list[list[int]] = [[] for _ in centroids]
        for i, v in enumerate(vectors):
            if not v:
                continue
            scores = [_cosine(v, c) for c in centroids]
            fresh[max(range(len(scores)), key=scores.__getitem__)].append(i)
        groups = [g for g in fresh if g]
        centroids = [_centroid(g, vectors) for g in groups]
    groups, centroids = _merge(groups, centroids, vectors)
    order = sorted(range(len(groups)), key=lambda k: (-len(groups[k]), groups[k][0]))
    return [sorted(groups[k]) for k in order]


def _merge(groups: list[list[int]], centroids: list[Vector], vectors: list[Vector]
           ) -> tuple[list[list[int]], list[Vector]]:
    merged = True
    while merged and len(groups) > 1:
        merged = False
        best = (0.0, -1, -1)
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                s = _cosine(centroids[a], centroids[b])
                if s > best[0]:
                    best = (s, a, b)
        if best[0] >= MERGE_THRESHOLD:
            _, a, b = best
            groups[a] = groups[a] + groups[b]
            centroids[a] = _centroid(groups[a], vectors)
            del groups[b], centroids[b]
            merged = True
    return groups, centroids


def _grams(text: str, longest: int = 4) -> set[str]:
    """Return the runs of 2..longest adjacent words of a text that may name a topic."""
    stops, folded = stop_words(), synonyms()
    grams: set[str] = set()
    run: list[str] = []
    for raw in [*_tokenizer().cut(text), "。"]:
        word = raw.strip()
        if not word or not _WORDLIKE.search(word):
            run = []  # punctuation ends a phrase
            continue
        run.append(folded.get(word, word))
        for n in range(2, longest + 1):
            gram = run[-n:]
            if len(gram) == n and gram[0] not in stops and gram[-1] not in stops \
                    and len(gram[0]) > 1 and len(gram[-1]) > 1:
                grams.add("".join(gram))
    return grams


def phrase_label(members: list[int], texts: Sequence[str], terms: list[str]) -> str:
    """Name a topic by the phrase its opinions share (卫生室药品不全), not by loose words."""
    counts: Counter[str] = Counter()
    for i in members:
        counts.update(g for g in _grams(texts[i]) if len(g) <= 10)
    floor = max(2, math.ceil(len(members) * 0.3)) if len(members) > 1 else 1
    shared = [(n, g) for g, n in counts.items() if n >= floor and (not terms or terms[0] in g)]
    if shared:
        # The most shared phrase; among equally shared ones the longer (more specific).
        return max(shared, key=lambda ng: (ng[0], len(ng[1]), ng[1]))[1]
    return terms[0] if terms else ""


def top_terms(members: list[int], docs: Sequence[list[str]], n: int = 5) -> list[str]:
    """Return the words most members share (by document frequency)."""
    counts: Counter[str] = Counter()
    for i in members:
        counts.update(set(docs[i]))
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


# ---- per unit and period ------------------------------------------------------------------------


@dataclass
class _Rows:
    ids: list[int] = field(default_factory=list)
    tracking: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    days: list[date] = field(default_factory=list)


def _week(day: date) -> str:
    return (day - timedelta(days=day.weekday())).isoformat()


def _weeks(period: Period) -> list[str]:
    first = period.start - timedelta(days=period.start.weekday())
    return [(first + timedelta(days=7 * i)).isoformat()
            for i in range((period.end - first).days // 7 + 1)
            if first + timedelta(days=7 * i) < period.end]


def _filters(path: str, period: Period) -> list[Any]:
    lo, hi = period.utc_bounds()
    return [Opinion.unit_id.in_(_subtree_ids(path)), Opinion.created_at >= lo,
            Opinion.created_at < hi, Opinion.state.not_in(("voided", "merged")),
            Opinion.moderation != "refused"]


def hot_topics(unit_id: int, period: Period, *, limit: int = 10,
               use_cache: bool = True) -> dict[str, Any]:
    """Return keywords and topic clusters (with weekly counts and their opinions) of a unit."""
    unit = _load_unit(unit_id)
    conditions = _filters(unit.path, period)
    count, newest = db.session.execute(
        select(func.count(), func.max(Opinion.id)).where(*conditions)).one()
    version = f"{count}-{newest or 0}"
    key = keys.hot_topics(unit.id, period.start.isoformat(), period.end.isoformat(), version)
    if use_cache:
        try:
            cached = get_redis().get(key)
            if cached:
                result: dict[str, Any] = json.loads(cached)
                return _trim(result, limit)
        except redis.RedisError:
            pass
    rows = _Rows()
    for oid, tracking_no, text, created in db.session.execute(
            select(Opinion.id, Opinion.tracking_no, Opinion.text, Opinion.created_at)
            .where(*conditions).order_by(Opinion.id.desc()).limit(MAX_OPINIONS)):
        rows.ids.append(oid)
        rows.tracking.append(tracking_no)
        rows.texts.append(text)
        rows.days.append(_local_date(created))
    result = _analyse(rows, period)
    result["unit"] = {"id": unit.id, "name": unit.name}
    result["analysed"] = len(rows.ids)
    result["total"] = int(count)
    try:
        get_redis().set(key, json.dumps(result, ensure_ascii=False), ex=keys.TOPICS_TTL)
    except redis.RedisError:
        pass
    return _trim(result, limit)


def _local_date(value: datetime) -> date:
    return value.astimezone(SHANGHAI).date()


def _trim(result: dict[str, Any], limit: int) -> dict[str, Any]:
    return {**result, "topics": result["topics"][:limit], "keywords": result["keywords"][:20]}


def _analyse(rows: _Rows, period: Period) -> dict[str, Any]:
    docs = [tokenize(t) for t in rows.texts]
    weeks = _weeks(period)
    keyword_docs: Counter[str] = Counter()
    keyword_weeks: dict[str, Counter[str]] = defaultdict(Counter)
    for words, day in zip(docs, rows.days, strict=True):
        for word in set(words):
            keyword_docs[word] += 1
            keyword_weeks[word][_week(day)] += 1
    keywords = [{"word": w, "count": n, "weeks": [keyword_weeks[w][k] for k in weeks]}
                for w, n in sorted(keyword_docs.items(), key=lambda kv: (-kv[1], kv[0]))[:50]]
    topics = []
    for members in cluster(rows.texts):
        terms = top_terms(members, docs)
        per_week = Counter(_week(rows.days[i]) for i in members)
        topics.append({
            "label": phrase_label(members, rows.texts, terms),
            "keywords": terms,
            "count": len(members),
            "weeks": [per_week[k] for k in weeks],
            "opinions": [{"id": rows.ids[i], "tracking_no": rows.tracking[i],
                          "text": mask_phones_in_text(rows.texts[i][:120]),
                          "date": rows.days[i].isoformat()}
                         for i in sorted(members, key=lambda i: -rows.ids[i])[:50]],
        })
    return {"weeks": weeks, "keywords": keywords, "topics": topics}
