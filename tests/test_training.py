"""Training (backprop_lib.train), the data sets (backprop_lib.datasets) and the live training
view (backprop_lib.train_view), as notebook 05 uses them."""

import asyncio
import io
import time

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import datasets
from backprop_lib.train import (
    Trainer,
    accuracy,
    batch_indices,
    labels_of,
    predict,
    predict_proba,
    train,
)

# The notebook's digits settings: 64-32-10 tanh/softmax, lr 0.5, batches of 32, 30 epochs,
# initial weights and shuffling from seed 0, split seed 0.
DIGITS = dict(lr=0.5, epochs=30, batch_size=32, seed=0)


@pytest.fixture(scope="module")
def digits():
    return datasets.digits(test_fraction=0.2, seed=0)


def digits_net(seed=0):
    return bp.Network.random(
        [64, 32, 10], activations=["tanh", "identity"], loss="softmax_cross_entropy", seed=seed
    )


def moons_net(seed=0, hidden=8, loss="binary_cross_entropy", out="sigmoid"):
    return bp.Network.random([2, hidden, 1], activations=["tanh", out], loss=loss, seed=seed)


@pytest.fixture(scope="module")
def digits_run(digits):
    X_train, y_train, X_test, y_test = digits
    return train(digits_net(), X_train, y_train, X_test=X_test, Y_test=y_test, **DIGITS)


# --------------------------------------------------------------------------- data sets


def test_xor():
    X, y = datasets.xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize(
    "make", [lambda s: datasets.two_moons(101, 0.2, s), lambda s: datasets.spirals(100, 3, 0.2, s)]
)
def test_2d_data_are_seeded(make):
    X, y = make(0)
    X2, y2 = make(0)
    X3, _ = make(1)
    assert X.shape == (len(y), 2) and np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, X3)
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1  # classes as even as possible


def test_data_generators_reject_bad_arguments():
    with pytest.raises(ValueError, match="^n:"):
        datasets.two_moons(1)
    with pytest.raises(ValueError, match="^noise:"):
        datasets.two_moons(10, noise=-1)
    with pytest.raises(ValueError, match="^k:"):
        datasets.spirals(10, k=1)
    with pytest.raises(ValueError, match="^test_fraction:"):
        datasets.digits(test_fraction=1.5)


def test_digits_split(digits):
    X_train, y_train, X_test, y_test = digits
    assert X_train.shape == (1438, 64) and X_test.shape == (359, 64)
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert np.bincount(y_test).tolist() == [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]  # stratified
    # disjoint: no test image is also a training image at the same position of the full set
    again = datasets.digits(0.2, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(digits, again))
    other = datasets.digits(0.2, seed=1)
    assert not np.array_equal(other.y_test, y_test) or not np.array_equal(other.X_test, X_test)


# --------------------------------------------------------------------------- batches, predictions


def test_batch_indices_visit_every_row_once_per_epoch():
    batches = list(batch_indices(10, 4, seed=3, epochs=2))
    assert [len(b) for _, b, _ in batches] == [4, 4, 2, 4, 4, 2]
    assert [last for *_, last in batches] == [False, False, True] * 2
    for epoch in (0, 1):
        rows = np.concatenate([b for e, b, _ in batches if e == epoch])
        assert sorted(rows.tolist()) == list(range(10))
    assert [b.tolist() for _, b, _ in batches] == [
        b.tolist() for _, b, _ in batch_indices(10, 4, seed=3, epochs=2)
    ]


def test_predictions_and_labels():
    net = moons_net()
    X, y = datasets.two_moons(50, 0.1, 0)
    p = predict_proba(net, X)
    assert p.shape == (50, 2) and np.allclose(p.sum(axis=1), 1)
    assert np.array_equal(predict(net, X), (p[:, 1] >= 0.5).astype(int))
    assert accuracy(net, X, y) == np.mean(predict(net, X) == y)
    assert labels_of(np.eye(3)[[2, 0, 1]]).tolist() == [2, 0, 1]
    assert labels_of(np.array([[0.2], [0.9]])).tolist() == [0, 1]


# --------------------------------------------------------------------------- training


def test_loss_decreases():
    X, y = datasets.two_moons(200, 0.2, 0)
    net, hist = train(moons_net(), X, y, lr=0.3, epochs=30, batch_size=16, seed=0)
    assert len(hist.step_loss) == 30 * 13 and hist.epoch == list(range(31))
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    assert np.mean(hist.step_loss[-20:]) < np.mean(hist.step_loss[:20])
    assert hist.train_acc[-1] > 0.85
    assert hist.test_acc == [] and hist.reached is None


def test_xor_seed_0_learns_and_seed_6_gets_stuck():
    """Notebook 05's XOR story: 2-2-1 sigmoid, BCE, full batch, lr 1, 2000 epochs."""
    X, y = datasets.xor()
    runs = {}
    for s in (0, 6):
        net = bp.Network.random(
            [2, 2, 1], activations="sigmoid", loss="binary_cross_entropy", seed=s
        )
        runs[s] = train(net, X, y, lr=1.0, epochs=2000, batch_size=4, seed=0)
    assert runs[0][1].train_loss[-1] < 0.05 and runs[0][1].train_acc[-1] == 1.0
    stuck_net, stuck = runs[6]
    assert abs(stuck.train_loss[-1] - 0.5 * np.log(2)) < 0.01  # the local minimum ½ ln 2
    hidden = np.asarray(bp.forward(stuck_net, X, y).a[0])
    assert np.abs(hidden[1] - hidden[3]).max() < 0.01  # (0,1) and (1,1) share a hidden point
    assert np.all(hidden[[1, 3]] * (1 - hidden[[1, 3]]) < 2e-3)  # saturated: sigma' ~ 0


def test_same_seed_same_history_other_seed_other_history():
    X, y = datasets.spirals(90, 3, 0.1, 0)
    net = bp.Network.random(
        [2, 10, 3], activations=["relu", "identity"], loss="softmax_cross_entropy", seed=1
    )
    runs = [train(net, X, y, lr=0.2, epochs=5, batch_size=8, seed=s)[1] for s in (7, 7, 8)]
    a, b, c = runs
    assert a.step_loss == b.step_loss and a.train_loss == b.train_loss
    assert a.train_acc == b.train_acc
    assert a.step_loss != c.step_loss


def test_training_leaves_the_network_unchanged():
    X, y = datasets.two_moons(40, 0.2, 0)
    net = moons_net()
    before = [W.copy() for W in net.weights]
    trained, _ = train(net, X, y, lr=0.5, epochs=3, batch_size=8, seed=0)
    assert all(np.array_equal(W, B) for W, B in zip(net.weights, before))
    assert not np.array_equal(trained.weights[0], net.weights[0])


def test_digits_reach_95_percent(digits, digits_run):
    net, hist = digits_run
    X_train, y_train, X_test, y_test = digits
    assert len(hist.step_loss) == 30 * 45
    assert hist.test_acc[-1] >= 0.95
    assert accuracy(net, X_test, y_test) == hist.test_acc[-1]
    assert hist.train_acc[-1] >= hist.test_acc[-1]


def test_until_accuracy_stops_early(digits):
    X_train, y_train, X_test, y_test = digits
    net, hist = train(
        digits_net(), X_train, y_train, X_test=X_test, Y_test=y_test, until_accuracy=0.9, **DIGITS
    )
    assert hist.reached is not None and hist.reached["accuracy"] >= 0.9
    assert hist.epoch[-1] == hist.reached["epoch"] < DIGITS["epochs"]
    assert hist.test_acc[-2] < 0.9 <= hist.test_acc[-1]
    assert hist.reached["seconds"] > 0


def test_trainer_lr_can_change_between_steps():
    X, y = datasets.two_moons(40, 0.2, 0)
    trainer = Trainer(moons_net(), X, y, lr=0.1, batch_size=8, seed=0)
    trainer.step()
    trainer.lr = 0.5
    assert trainer.lr == 0.5
    with pytest.raises(ValueError, match="^lr:"):
        trainer.lr = -1


def _bad_calls(X, y):
    """(keyword changes to a good train() call, the argument its error must name)."""
    return [
        (dict(lr=0), "lr"),
        (dict(lr=-0.1), "lr"),
        (dict(lr=float("nan")), "lr"),
        (dict(lr="0.1"), "lr"),
        (dict(batch_size=0), "batch_size"),
        (dict(batch_size=2.5), "batch_size"),
        (dict(batch_size=len(X) + 1), "batch_size"),
        (dict(batch_size=True), "batch_size"),
        (dict(epochs=-1), "epochs"),
        (dict(epochs=1.5), "epochs"),
        (dict(epochs="3"), "epochs"),
        (dict(seed="zero"), "seed"),
        (dict(seed=-1), "seed"),
        (dict(X=X[:, :1]), "X"),
        (dict(X=X[0]), "X"),
        (dict(X=np.full_like(X, np.nan)), "X"),
        (dict(Y=y[:-1]), "Y"),
        (dict(Y=np.full(len(y), 2.0)), "Y"),
        (dict(Y="labels"), "Y"),
        (dict(X_test=X), "Y_test"),
        (dict(Y_test=y), "X_test"),
        (dict(X_test=X[:, :1], Y_test=y), "X_test"),
        (dict(X_test=X, Y_test=y[:3]), "Y_test"),
        (dict(until_accuracy=1.5), "until_accuracy"),
        (dict(until_accuracy=0), "until_accuracy"),
        (dict(net="net"), "net"),
    ]


@pytest.mark.parametrize("case", range(26))
def test_bad_input_names_the_argument(case):
    X, y = datasets.two_moons(20, 0.2, 0)
    changes, name = _bad_calls(X, y)[case]
    kwargs = dict(net=moons_net(), X=X, Y=y, lr=0.1, epochs=2, batch_size=4, seed=0)
    kwargs.update(changes)
    with pytest.raises((TypeError, ValueError), match=rf"^{name}:"):
        train(**kwargs)


def test_bad_input_cases_are_all_run():
    X, y = datasets.two_moons(20, 0.2, 0)
    assert len(_bad_calls(X, y)) == 26


# --------------------------------------------------------------------------- PyTorch


@pytest.mark.parametrize(
    "loss, out",
    [
        ("binary_cross_entropy", "sigmoid"),
        ("squared_error", "sigmoid"),
        ("half_squared_error", "identity"),
    ],
)
def test_torch_twin_small_losses(loss, out):
    torch = pytest.importorskip("torch")
    from backprop_lib.train import train_torch

    torch.set_num_threads(1)
    X, y = datasets.two_moons(60, 0.2, 0)
    net = moons_net(loss=loss, out=out)
    _, a = train(net, X, y, lr=0.3, epochs=4, batch_size=8, seed=2)
    _, b = train_torch(net, X, y, lr=0.3, epochs=4, batch_size=8, seed=2)
    assert np.max(np.abs(np.subtract(a.step_loss, b.step_loss))) < 1e-9
    assert a.train_acc == b.train_acc


def test_torch_and_numpy_loss_curves_agree_on_digits(digits, digits_run):
    torch = pytest.importorskip("torch")
    from backprop_lib.train import train_torch

    torch.set_num_threads(1)
    X_train, y_train, X_test, y_test = digits
    net_np, hist_np = digits_run
    net_pt, hist_pt = train_torch(
        digits_net(), X_train, y_train, X_test=X_test, Y_test=y_test, **DIGITS
    )
    assert len(hist_pt.step_loss) == len(hist_np.step_loss) == 1350
    assert np.max(np.abs(np.subtract(hist_np.step_loss, hist_pt.step_loss))) < 1e-9
    assert np.allclose(hist_np.test_loss, hist_pt.test_loss, rtol=0, atol=1e-9)
    assert hist_pt.test_acc == hist_np.test_acc
    for W_np, W_pt in zip(net_np.weights, net_pt.weights):
        assert np.allclose(W_np, W_pt, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------- the live view


def test_start_stop_does_not_block():
    pytest.importorskip("ipywidgets")
    from backprop_lib.train_view import TrainingView

    async def scenario():
        view = TrainingView("two moons", hidden=8, chunk_seconds=0.02)
        steps0 = view.trainer.steps
        ticks = []  # the trainer's step count each time the ticker ran

        async def ticker():  # another task: it runs only if training yields the loop
            while True:
                ticks.append(view.trainer.steps)
                await asyncio.sleep(0.005)

        async def until(condition, what, seconds=60.0):  # wait for a condition, not a time
            deadline = time.monotonic() + seconds
            while not condition():
                assert time.monotonic() < deadline, f"timed out waiting for {what}"
                await asyncio.sleep(0.01)

        tick_task = asyncio.ensure_future(ticker())
        view.start_button.click()  # what the browser's click does: calls the handler
        assert view.trainer.steps == steps0  # the handler trained nothing itself: it returned
        assert view.running and view.start_button.description == "pause"
        # training runs in the background, and the ticker keeps running between its chunks
        await until(lambda: len(set(ticks) - {steps0}) >= 3, "3 chunks seen by the ticker")
        running_steps = view.trainer.steps
        assert running_steps > steps0
        view.start_button.click()  # stop
        assert not view.running
        await asyncio.wait_for(view.task, timeout=60.0)  # finishes its chunk and ends
        stopped_steps = view.trainer.steps
        n_ticks = len(ticks)
        await until(lambda: len(ticks) >= n_ticks + 5, "5 more ticks after the stop")
        tick_task.cancel()
        assert view.trainer.steps == stopped_steps  # no training after stop
        assert view.start_button.description == "continue"  # a pause: the next click continues
        view.start_button.click()
        await until(lambda: view.trainer.steps > stopped_steps, "training to go on after the pause")
        view.stop()
        await asyncio.wait_for(view.task, timeout=60.0)
        assert view.trainer.steps > stopped_steps  # from where it paused, not from scratch
        assert view.history.epoch[0] == 0 and len(view.history.epoch) > 1
        assert view.history.epoch[-1] == view.trainer.epochs > 0
        return view

    view = asyncio.run(scenario())
    assert view.task.done() and view.task.exception() is None
    view.reset()  # the separate button: a fresh network, and the button says "start" again
    assert view.trainer.epochs == 0 and view.start_button.description == "start"


def test_start_without_event_loop_says_what_to_do():
    pytest.importorskip("ipywidgets")
    from backprop_lib.train_view import TrainingView

    view = TrainingView("two moons")
    with pytest.raises(RuntimeError, match="train_epochs"):
        view.start()
    assert not view.running


def test_controls_reset_and_change_lr():
    pytest.importorskip("ipywidgets")
    from backprop_lib.train_view import TrainingView

    view = TrainingView("two moons", hidden=4, lr=0.1).train_epochs(3)
    assert view.trainer.epochs == 3
    view.lr_slider.value = 1.0
    assert view.trainer.lr == 1.0
    assert 0.1 in view.lr_slider.options and 0.3 in view.lr_slider.options
    view.hidden_slider.value = 6
    assert view.net.sizes == [2, 6, 1] and view.trainer.epochs == 0
    view.activation_dropdown.value = "relu"
    assert view.net.activations == ("relu", "sigmoid")
    view.data_dropdown.value = "spirals"
    assert view.net.sizes == [2, 6, 3] and view.net.loss == "softmax_cross_entropy"
    # reset with the same seed: the same run again
    a = view.train_epochs(2).history.step_loss[:]
    view.reset()
    assert view.train_epochs(2).history.step_loss == a


def test_frame_is_fast_and_png_is_valid():
    pytest.importorskip("ipywidgets")
    from PIL import Image

    from backprop_lib.train_view import TrainingView, png_bytes

    view = TrainingView("spirals", hidden=16).train_epochs(2)
    for _ in range(5):
        view.render()
    assert np.median(view.render_ms) < 100
    assert "<svg" in view.plot.value and "data:image/png;base64," in view.plot.value
    rgb = np.random.default_rng(0).integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(png_bytes(rgb))).convert("RGB"))
    assert np.array_equal(decoded, rgb)


def test_static_figures_draw(digits_run):
    pytest.importorskip("matplotlib")
    from backprop_lib.train_view import comparison_figure, image_grid, training_curves, xor_figure

    X, y = datasets.xor()
    runs = {
        s: train(
            bp.Network.random([2, 2, 1], loss="binary_cross_entropy", seed=s),
            X,
            y,
            lr=1.0,
            epochs=5,
            batch_size=4,
            seed=0,
        )
        for s in (0, 6)
    }
    _, hist = digits_run
    figures = [
        xor_figure(runs, X, y, lr=1.0),
        training_curves(hist, threshold=0.95),
        comparison_figure(hist, hist),
        image_grid(np.zeros((3, 64)), titles=["a", "b", "c"], cols=2),
        image_grid(np.ones((2, 64)), cmap="diverging", vmin=-1, colorbar="w"),
    ]
    for fig in figures:
        fig.canvas.draw()  # lays out and renders with Agg: no exceptions, no warnings
        assert fig.get_axes()


def test_training_view_presenter_toggle():
    """The live training view has a presenter layout, like every live view: plots first."""
    from backprop_lib.train_view import TrainingView

    view = TrainingView(hidden=4, grid=16)
    assert view.widget.children[-1] is view.plot and "bp-presenter" not in view.widget._dom_classes
    view.presenter_toggle.value = True
    assert view.widget.children[0] is view.plot and "bp-presenter" in view.widget._dom_classes
    assert "font-size:24px" in view.status.value
    view.train_epochs(2)  # training still drives the view in the presenter layout
    assert "epoch <b>2</b>" in view.status.value
    view.presenter_toggle.value = False
    assert view.widget.children[-1] is view.plot and "font-size:17px" in view.status.value


def test_a_new_view_stops_the_old_one_and_the_cap_is_said():
    """Re-running the training cell makes a new view: starting it stops the old one's training.
    At the epoch cap, start does nothing and the status says so in words."""
    pytest.importorskip("ipywidgets")
    from backprop_lib.train_view import TrainingView

    async def scenario():
        old = TrainingView("two moons", hidden=4, grid=16, chunk_seconds=0.01)
        old.start()
        await asyncio.sleep(0.05)
        assert old.running
        new = TrainingView("two moons", hidden=4, grid=16, chunk_seconds=0.01)
        new.start()
        assert not old.running and new.running
        await asyncio.wait_for(old.task, timeout=2.0)
        new.stop()
        await asyncio.wait_for(new.task, timeout=2.0)

        capped = TrainingView("two moons", hidden=2, grid=8, max_epochs=2)
        capped.train_epochs(2)
        assert capped.start() is None and not capped.running
        assert "cap of 2 epochs" in capped.status.value

    asyncio.run(scenario())


def test_boundary_plot_has_axes_and_a_class_legend():
    pytest.importorskip("ipywidgets")
    import re

    from backprop_lib.train_view import TrainingView

    view = TrainingView("two moons", hidden=4)
    svg = view.svg()
    assert "feature x₁" in svg and "feature x₂" in svg
    assert [f"class {c}" for c in range(view.n_classes)] == re.findall(r">(class \d)<", svg)
    x0, x1, y0, y1 = view.extent
    ticks = [
        float(t.replace("−", "-"))
        for t in re.findall(r'font-size="14" text-anchor="middle"[^>]*>([−0-9.]+)<', svg)
    ]
    assert ticks and x0 <= min(ticks) and max(ticks) <= x1


def test_the_live_picture_keeps_its_text_readable_on_a_narrow_screen():
    """At its narrowest (a 1024 px laptop with the file browser open leaves ~590 px), the
    picture's smallest text is still >= 12 px: the SVG has a min-width for that and scrolls
    sideways in its box. In both layouts the controls keep their width and the buttons beside
    them shrink, or go below them (tests/browser checks what a screen shows)."""
    pytest.importorskip("ipywidgets")
    import re

    from backprop_lib.train_view import TrainingView

    view = TrainingView("two moons", hidden=4)
    svg = view.svg()
    smallest = min(float(f) for f in re.findall(r'font-size="([0-9.]+)"', svg))
    view_width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
    narrowest = float(re.search(r"min-width:([0-9.]+)px", svg).group(1))
    assert smallest * narrowest / view_width >= 12
    assert narrowest < view_width  # it does scale down, to that point
    assert narrowest <= 844  # JupyterLab's notebook at 1024 px, file browser closed: no scrolling
    assert 'class="bp-scroll"' in view.plot.value and "overflow-x:auto" in view.plot.value
    still = view.snapshot_html()  # the picture an untrusted notebook shows
    assert 'class="bp-scroll"' in still and f"min-width: {narrowest:g}px" in still
    for row in (view.layout(presenter=False)[0], view.layout(presenter=True)[1]):
        controls, buttons = row.children
        assert row.layout.flex_flow == "row wrap" and controls.layout.flex == "0 0 auto"
        assert buttons.layout.flex == "1 1 250px"  # they shrink to 250 px, then go below


def test_a_figure_in_words_names_every_panel():
    """The alt text of an image grid names every image, a title that comes twice twice: the
    misclassified digits of notebook 05 had two "0 → 4", and the words said one (14 of 15)."""
    pytest.importorskip("matplotlib")
    from backprop_lib.theme import figure_alt
    from backprop_lib.train_view import image_grid

    titles = ["0 → 4", "5 → 9", "0 → 4", "7 → 1", "7 → 1"]
    alt = figure_alt(image_grid(np.zeros((5, 64)), titles=titles, cols=3, title="wrong"))
    assert alt == "Figure: wrong; 0 → 4; 5 → 9; 0 → 4; 7 → 1 (×2)"


@pytest.mark.parametrize(
    "X",
    [
        [[0, 0], [1, 0], [2, 0], [3, 0]],  # on a line: the second feature never varies
        [[1, 1], [1, 1], [1, 1], [1, 1]],  # one point four times
        [[5e-324, 0], [0, 5e-324], [0, 0], [5e-324, 5e-324]],  # a subnormal spread
    ],
)
def test_training_view_of_data_that_does_not_spread_draws_quietly(X):
    """Points that do not spread in a feature divided by zero in the plot's scale: RuntimeWarnings
    in the learner's notebook and a broken picture. Now a flat feature gets ±1 around it."""
    import warnings

    pytest.importorskip("ipywidgets")
    from backprop_lib.train_view import TrainingView

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view = TrainingView(data=(X, [0, 1, 0, 1]), grid=8)
        view.train_epochs(1)
        svg = view.svg()
    assert np.all(np.isfinite(view.extent)) and "nan" not in svg and "inf" not in svg
    assert view.extent[1] > view.extent[0] and view.extent[3] > view.extent[2]


# --------------------------------------------------------------------------- fuzz findings 25, 58


@pytest.mark.parametrize("y", [[0, 1, 0, 1e300], [0, 1, 0, 10**6], [0, 1, 0, 6]])
def test_training_view_refuses_labels_beyond_its_colours_by_name(y):
    """Finding 25: huge labels leaked a cast RuntimeWarning and blamed Y or sizes; label 6 (one
    past the six class colours) raised an IndexError."""
    import warnings

    from backprop_lib.train_view import TrainingView

    X = [[0, 0], [1, 1], [0, 1], [1, 0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^data\[1\] \(y\): .*from 0 to 5"):
            TrainingView(data=(X, y), grid=8)


def test_training_view_takes_labels_up_to_five():
    from backprop_lib.train_view import TrainingView

    view = TrainingView(data=([[0, 0], [1, 1], [0, 1], [1, 0]], [0, 1, 0, 5]), grid=8)
    assert view.n_classes == 6


def test_labels_of_refuses_negative_class_indices():
    """Finding 58: labels_of returned -1 as a class."""
    with pytest.raises(ValueError, match=r"^T: expected class indices >= 0, got -1 at index 0"):
        labels_of(np.array([-1, 2]))
    assert labels_of(np.array([-0.3, 0.7])).tolist() == [0, 1]  # numbers: thresholded, as before


@pytest.mark.parametrize("n, k, name", [(1, 2, "n"), (0, 2, "n"), (3, 5, "k")])
def test_spirals_refuses_fewer_points_than_classes(n, k, name):
    """Finding 58: spirals(n=1, k=2) returned one point of one class."""
    with pytest.raises(ValueError, match=rf"^{name}: "):
        datasets.spirals(n=n, k=k)
    X, y = datasets.spirals(n=2, k=2)
    assert y.tolist() == [0, 1]
