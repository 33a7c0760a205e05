"""Which network a classification problem gets: its output layer and loss follow from the number
of classes (the choice notebook 05's training view makes, here as a plain function).

    sizes, activations, loss = classifier_layers(2, 8, 2, "tanh")
    # [2, 8, 1], ["tanh", "sigmoid"], "binary_cross_entropy"
    net = classifier(2, 8, 3, "relu", seed=0)   # [2, 8, 3], softmax cross-entropy on 3 logits

Two classes: one sigmoid output (the probability of class 1) and binary cross-entropy. More:
one logit per class (identity output) and softmax cross-entropy. One hidden layer.
"""

from .checks import as_int
from .network import Network


def classifier_layers(n_features, hidden, n_classes, activation):
    """(sizes, activations, loss) of a one-hidden-layer classifier of n_features inputs."""
    n_features = as_int(n_features, "n_features", 1)
    hidden = as_int(hidden, "hidden", 1)
    n_classes = as_int(n_classes, "n_classes", 2)
    if n_classes == 2:  # one sigmoid output and binary cross-entropy
        return [n_features, hidden, 1], [activation, "sigmoid"], "binary_cross_entropy"
    # one logit per class and softmax cross-entropy
    return [n_features, hidden, n_classes], [activation, "identity"], "softmax_cross_entropy"


def classifier(n_features, hidden, n_classes, activation, seed=0):
    """A fresh ``Network.random`` with ``classifier_layers``' shape, activations and loss."""
    sizes, activations, loss = classifier_layers(n_features, hidden, n_classes, activation)
    return Network.random(sizes, activations=activations, loss=loss, seed=seed)


__all__ = ["classifier", "classifier_layers"]
