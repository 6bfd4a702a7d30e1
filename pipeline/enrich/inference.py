"""Inference without the training-time memory: the model's layer chains drop each layer's
intermediate arrays as soon as the next layer has read them.

thinc's ``chain`` keeps the backpropagation callback of every layer until the whole chain
returns, also when it is called for inference (``is_train=False``), where nobody will ever
call them. Each callback holds its layer's inputs and intermediate arrays, so a
``tok2vec`` (hash embeddings, then four maxout window layers) holds ~15 KB per token at its
peak: 54 MB for a 3,000-word article, and as much again inside the NER, which has its own
``tok2vec``. That transient is what set an NLP process's peak memory.

:func:`lean_inference` gives every chain of the loaded pipeline a forward pass that, for
inference only, keeps the output of the last layer and nothing else: the same layers are
called in the same order on the same arrays, so every annotation is the one spaCy computes
(tests/unit/test_lean_inference.py compares them). Training (``is_train=True``) goes
through thinc's own forward unchanged; a backpropagation asked of a lean pass raises.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from spacy.language import Language
from thinc.api import Model

__all__ = ["lean_inference"]

# ``thinc.layers.chain`` is shadowed by the function of that name on the package.
_THINC_CHAIN: Callable[..., Any] = importlib.import_module("thinc.layers.chain").forward


def _no_backprop(_d_output: Any) -> Any:
    raise RuntimeError("a lean inference pass keeps nothing to backpropagate through")


def _lean_chain(
    model: Model[Any, Any], inputs: Any, is_train: bool
) -> tuple[Any, Callable[[Any], Any]]:
    if is_train:
        return _THINC_CHAIN(model, inputs, is_train)  # type: ignore[no-any-return]
    for layer in model.layers:
        inputs = layer(inputs, is_train=False)[0]  # the previous array is freed here
    return inputs, _no_backprop


def lean_inference(nlp: Language) -> int:
    """Give every thinc chain in ``nlp``'s components the lean forward pass; how many."""
    swapped = 0
    for _name, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if not isinstance(model, Model):
            continue  # rule-based components have no network
        for node in model.walk():
            if node._func is _THINC_CHAIN:
                node._func = _lean_chain
                swapped += 1
    return swapped
