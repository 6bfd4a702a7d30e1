"""A trained linear classifier over named features, stored as JSON.

The stance and tone models are multinomial logistic regressions fitted by scikit-learn at
training time (``newsflow train``) and shipped as JSON: one weight per (feature, class), the
intercepts, a calibration temperature and a ``meta`` block. Inference is a dictionary look-up
per feature, so the worker needs neither scikit-learn nor pickle.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Features = dict[str, float]


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    weights: Mapping[str, Sequence[float]]
    intercepts: Sequence[float]
    temperature: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, feats: Features) -> tuple[float, ...]:
        """Class probabilities of one feature vector, in ``classes`` order."""
        scores = self._three(feats) if len(self.intercepts) == 3 else self._scores(feats)
        top = max(scores)
        exps = [math.exp((s - top) / self.temperature) for s in scores]
        total = sum(exps)
        return tuple(e / total for e in exps)

    def _scores(self, feats: Features) -> list[float]:
        """The class scores: the intercepts plus each known feature's weights times its value."""
        scores = list(self.intercepts)
        for name, value in feats.items():
            row = self.weights.get(name)
            if row is not None:
                for k, w in enumerate(row):
                    scores[k] += w * value
        return scores

    def _three(self, feats: Features) -> list[float]:
        """:meth:`_scores` of a three-class model: the same sums in the same order (so the
        same floats), without its inner loop: both shipped models have three classes, and
        one is scored per stance candidate and per entity mention."""
        a, b, c = self.intercepts
        get = self.weights.get
        for name, value in feats.items():
            row = get(name)
            if row is not None:
                wa, wb, wc = row
                a += wa * value
                b += wb * value
                c += wc * value
        return [a, b, c]

    def to_json(self) -> str:
        """Sorted, rounded and compact, so that training twice writes identical bytes."""
        body = {
            "meta": self.meta,
            "classes": list(self.classes),
            "temperature": round(self.temperature, 6),
            "intercepts": [round(v, 6) for v in self.intercepts],
            "weights": {k: [round(v, 6) for v in self.weights[k]] for k in sorted(self.weights)},
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n"

    @classmethod
    def read(cls, path: Path) -> LinearModel:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            classes=tuple(raw["classes"]),
            weights={k: tuple(v) for k, v in raw["weights"].items()},
            intercepts=tuple(raw["intercepts"]),
            temperature=float(raw.get("temperature", 1.0)),
            meta=dict(raw.get("meta", {})),
        )
