"""Chinese text helpers: jieba segmentation (initialised lazily), similarity, word lists."""

from __future__ import annotations

import logging
import math
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

from server.common.text import mask_phones_in_text as mask_text

_lock = threading.Lock()
_tokenizer: dict[str, Any] = {}

# Function words and report boilerplate that say nothing about the matter itself.
STOPWORDS = frozenset(
    "的 了 是 在 有 和 就 都 也 很 还 又 要 会 能 我 你 他 她 它 我们 你们 他们 大家 "
    "这 那 这个 那个 "
    "这里 那里 一个 一些 什么 怎么 为什么 没有 不是 已经 现在 希望 请 请问 问题 反映 情况 解决 "
    "相关 部门 一下 好几 几天 非常 特别 比较 因为 所以 但是 而且 如果 可以 需要 一直 经常 老是 "
    "里 上 下 中 后 前 时 吧 呢 吗 啊 呀 哦 着 过 被 把 给 对 从 向 到 让".split()
)
_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]{2,}")
_NOISE = re.compile(r"[\s\u3000,.;:!?，。；：！？、“”‘’\"'()（）【】\[\]<>《》…—\-_*#@~·]+")


def tokenizer(cache_dir: str | None = None) -> Any:
    """Return the shared jieba tokenizer, loading its dictionary on first use only."""
    tok = _tokenizer.get("jieba")
    if tok is not None:
        return tok
    with _lock:
        tok = _tokenizer.get("jieba")
        if tok is None:
            import jieba

            logging.getLogger("jieba").setLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            folder = Path(cache_dir or tempfile.gettempdir()) / "jieba"
            folder.mkdir(parents=True, exist_ok=True)
            tok.tmp_dir = str(folder)
            tok.initialize()
            _tokenizer["jieba"] = tok
    return tok


def keywords(text: str, cache_dir: str | None = None) -> set[str]:
    """Return the meaningful words of a text (search-mode segmentation, stopwords removed)."""
    words = tokenizer(cache_dir).lcut_for_search(text)
    result: set[str] = set()
    for word in words:
        word = word.strip().lower()
        if not word or word in STOPWORDS or not _WORD.search(word):
            continue
        if len(word) == 1 and not re.fullmatch(r"[\u4e00-\u9fff]", word):
            continue
        result.add(word)
    return result


def similarity(a: set[str], b: set[str]) -> float:
    """Score two keyword sets: cosine over sets, longer shared words weigh more."""
    if not a or not b:
        return 0.0
    shared = a & b
    if not shared:
        return 0.0

    def weight(words: set[str]) -> float:
        return sum(min(len(w), 4) for w in words)

    return weight(shared) / math.sqrt(weight(a) * weight(b))


def normalise(text: str) -> str:
    """Lower-case and drop spaces and punctuation, so "敏 感 词" still matches."""
    return _NOISE.sub("", text).lower()


def find_words(text: str, words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the (word, level) pairs whose word occurs in the text."""
    flat = normalise(text)
    return [(word, level) for word, level in words if word and normalise(word) in flat]


def mask_phones_in_text(text: str) -> str:
    """Hide mobile numbers written inside free text (common.text's one masking rule)."""
    return mask_text(text) or ""


def excerpt(text: str, limit: int = 80) -> str:
    """Return a short one-line excerpt with phone numbers masked."""
    flat = " ".join(mask_phones_in_text(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
