"""Notebook 06's exercises: the worked solutions pass, wrong answers get hints, the answers are
shown only in the solution cells."""

import re
from pathlib import Path

import engines
import nbformat
import numpy as np
import pytest

from backprop_lib import examples
from backprop_lib.autograd import Value
from backprop_lib.check_engine import check_engine
from backprop_lib.exercises import ex06

NB = Path(__file__).resolve().parents[1] / "notebooks" / "06_autograd.ipynb"


@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(NB, 4)


def test_the_engine_checks_pass_good_engines_and_name_bugs():
    assert ex06.check_add_mul(engines.Good).ok
    assert ex06.check_backward(engines.Good).ok
    assert ex06.check_tanh(engines.Good).ok
    assert ex06.check_full(engines.Good).ok and ex06.check_full(Value).ok
    assert ex06.check_backward(engines.Overwrite).bug == "overwrite"
    assert ex06.check_backward(engines.NoTopo).bug == "topo_missing"
    assert ex06.check_tanh(engines.WrongTanh).bug == "local_derivative"


def test_neuron_and_seed_000():
    assert ex06.check_neuron(ex06.neuron_grads()).ok
    wrong = np.array(ex06.neuron_grads()) / (1 - np.tanh(ex06.sum_neuron()) ** 2)
    f = ex06.check_neuron(list(wrong))
    assert not f.ok and "1 − o²" in f.hint
    assert not ex06.check_neuron(...).ok
    ex = examples.seed_000()
    # the notebook's value_network, with our Value: exact to 1e-12
    from backprop_lib import backward, forward

    g = backward(ex.net, forward(ex.net, ex.x, ex.target))
    assert ex06.check_seed_000(g.dL_dW1).ok
    assert not ex06.check_seed_000(g.dL_dW1.T).ok


def test_the_solution_cells_pass_when_run_in_order(notebook):
    """Run every code cell but the exercise skeletons and the widget display cell, and each
    folded solution's code in its place (tests/test_solutions.py checks each one's result)."""
    env = {}
    for cell in notebook.cells:
        if "solution" in cell.metadata.get("tags", []):
            code = re.search(r"```python\n(.*?)\n```", cell.source, re.S).group(1)
            env["display"] = lambda *objs, **kw: None  # tests/test_solutions.py checks them
            exec(compile(code, "<solution>", "exec"), env)
            continue
        if cell.cell_type != "code" or "exercise" in cell.metadata.get("tags", []):
            continue
        if "GraphExplorer(" in cell.source and "import" not in cell.source:
            continue
        exec(compile(cell.source, "<cell>", "exec"), env)  # the notebook's own code
    assert check_engine(env["MyValue4"], ops=("+", "*", "tanh", "sigmoid"), reflected=False).ok


def test_only_solution_cells_are_tagged_and_they_are_hidden(notebook):
    for cell in notebook.cells:
        tagged = "solution" in cell.metadata.get("tags", [])
        assert tagged == (cell.cell_type == "markdown" and "# Solution" in cell.source)
        if tagged:  # folded markdown: never run by Run All (issue 10's format)
            assert cell.source.startswith("<details><summary>")
            assert cell.metadata["slideshow"]["slide_type"] == "skip"
        assert "slideshow" in cell.metadata


def test_no_expected_answer_outside_the_solutions(notebook):
    neuron = [f"{v:.8g}" for v in ex06.neuron_grads()]
    answers = ["[1.  0.  0.5]", "-0.00055551", "-0.00063649"]
    for cell in notebook.cells:
        if cell.cell_type != "code" or "solution" in cell.metadata.get("tags", []):
            continue
        text = str(cell.get("outputs", []))
        for a in answers:
            assert a not in text, (a, cell.source[:60])
    assert neuron  # computed, not typed in
