"""The option classes (critnet.options, python/src/option_class.h): the library's option structs
as keyword-only, checked, read-only Python classes, the defaults of critnet's functions."""
import ast
import inspect
import math
import pathlib

import numpy as np
import pytest
import torch

import critnet
from critnet import options

ALL = [getattr(options, name) for name in options.__all__]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_defaults_are_the_fields_of_the_library_default(cls):
    assert tuple(cls.defaults) == cls._fields
    if cls is options.FlowStudyOptions:  # needs its lambdas: the default is refused
        with pytest.raises(ValueError, match="lambda"):
            cls()
        made = cls(lambdas=[0.5])
    else:
        made = cls()
    assert made == cls(**{k: v for k, v in cls.defaults.items() if k != "lambdas"},
                       **({"lambdas": [0.5]} if cls is options.FlowStudyOptions else {}))
    assert made.to_dict().keys() == cls.defaults.keys()
    with pytest.raises(TypeError):
        cls.defaults["x"] = 1  # read-only mapping


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_repr_names_every_field_and_evaluates_back(cls):
    made = cls(lambdas=[0.5, 2.0]) if cls is options.FlowStudyOptions else cls()
    text = repr(made)
    assert text.startswith(cls.__name__ + "(")
    for field in cls._fields:
        assert f"{field}=" in text
    namespace = {c.__name__: c for c in ALL} | {"nan": math.nan, "inf": math.inf}
    assert eval(text, namespace) == made  # noqa: S307 (our own repr)


def test_keyword_only_and_unknown_keywords_are_refused():
    with pytest.raises(TypeError, match="keyword arguments only"):
        options.FitOptions(5)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'bootstrapp'.*bootstrap"):
        options.FitOptions(bootstrapp=5)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"bootstrap": 2.7}, TypeError, r"FitOptions\.bootstrap: must be an integer, got 2\.7"),
    ({"bootstrap": True}, TypeError, r"FitOptions\.bootstrap: must be an integer"),
    ({"bootstrap": 2**40}, ValueError, r"FitOptions\.bootstrap: must be in -2147483648\.\."),
    ({"bootstrap": -1}, ValueError, "bootstrap replicates must be in 0.."),
    ({"seed": -1}, ValueError, r"FitOptions\.seed: must be in 0\.\.18446744073709551615"),
    ({"seed": 2**64}, ValueError, r"FitOptions\.seed"),
    ({"significance": "0.1"}, TypeError, r"FitOptions\.significance: must be a number"),
    ({"significance": 1.5}, ValueError, r"significance must be in \(0, 1\)"),
    ({"discrete": 1}, TypeError, r"FitOptions\.discrete: must be True or False"),
    ({"min_tail": 3}, ValueError, "min_tail must be >= 5"),
    ({"xmin": -1.0}, ValueError, "a fixed x_min must be finite and > 0"),
])
def test_values_are_converted_strictly_and_checked_at_construction(kwargs, error, words):
    with pytest.raises(error, match=words):
        options.FitOptions(**kwargs)


def test_numpy_scalars_and_ints_for_reals_are_accepted():
    made = options.FitOptions(bootstrap=np.int64(7), significance=np.float32(0.25), xmax=100)
    assert made.bootstrap == 7 and isinstance(made.bootstrap, int)
    assert made.significance == pytest.approx(0.25) and made.xmax == 100.0


def test_fields_are_read_only_and_replace_makes_a_checked_copy():
    made = options.ProbeRecipe(bootstrap=10)
    with pytest.raises(AttributeError):
        made.bootstrap = 20
    changed = made.replace(subset_size=20)
    assert (made.subset_size, changed.subset_size, changed.bootstrap) == (10, 20, 10)
    assert changed != made
    with pytest.raises(ValueError, match="subset_size: must be in 1..64, got 65"):
        made.replace(subset_size=65)
    with pytest.raises(TypeError, match="unhashable"):
        hash(made)


def test_named_enums_lists_optionals_and_nested_classes():
    penalty = options.PenaltyOptions(preset="poly", coefficients=(1, -1), gram_side="out",
                                     n_convention="one")
    assert (penalty.preset, penalty.coefficients, penalty.gram_side) == ("poly", [1.0, -1.0],
                                                                         "out")
    with pytest.raises(ValueError, match="paper"):  # the library's message names the choices
        options.PenaltyOptions(preset="bogus")
    with pytest.raises(TypeError, match=r"PenaltyOptions\.coefficients: must be a list"):
        options.PenaltyOptions(preset="poly", coefficients=torch.tensor([1.0, -1.0]))
    with pytest.raises(TypeError, match=r"FlowStudyOptions\.lambdas\[1\]: must be a number"):
        options.FlowStudyOptions(lambdas=[0.5, "1"])
    cw = options.MeanFieldStudyOptions(coupling=1.5, size=12)
    assert (cw.coupling, cw.size, options.MeanFieldStudyOptions().coupling) == (1.5, 12, None)
    with pytest.raises(ValueError, match="J"):
        options.MeanFieldStudyOptions(coupling=-1.0, size=12)
    rule = options.VerdictRule(min_tail=10)
    assert options.HtsrOptions(rule=rule).rule == rule
    with pytest.raises(TypeError, match=r"HtsrOptions\.rule: must be a VerdictRule"):
        options.HtsrOptions(rule={"min_tail": 10})
    assert options.SignalOptions(activation=None).activation is None
    with pytest.raises(ValueError, match="tanh"):
        options.SignalOptions(activation="swish")


def test_library_checks_run_at_construction():
    with pytest.raises(ValueError, match="dim must be 1, 2 or 3"):
        options.GaussianStudyOptions(dim=4)
    with pytest.raises(ValueError, match="fit_max"):
        options.GaussianStudyOptions(dim=1, size=64, fit_max=40.0)  # past L/2 = 32
    with pytest.raises(ValueError, match="beta must be finite"):
        options.CouplingOptions(beta=math.inf)
    with pytest.raises(ValueError, match="sigma_w2"):
        options.EdgeOptions(sigma_w2=0.0)


# The public functions' keyword defaults are the classes' defaults: (function, class,
# {parameter: field}).
_DEFAULTS = [
    (critnet.fit, options.FitOptions, {"bootstrap": "bootstrap", "seed": "seed",
                                       "threads": "threads", "significance": "significance",
                                       "max_candidates": "max_candidates",
                                       "scan_min_tail": "min_tail", "compare": "compare"}),
    (critnet.fit, options.VerdictRule, {"min_decades": "min_decades", "min_tail": "min_tail"}),
    (critnet.verdict, options.VerdictRule, {f: f for f in options.VerdictRule._fields}),
    (critnet.probe, options.ProbeRecipe, {"subset_size": "subset_size", "bootstrap": "bootstrap",
                                          "max_candidates": "max_candidates",
                                          "min_tail_fraction": "min_tail_fraction"}),
    (critnet.probe, options.ProbeOptions, {"threshold": "threshold", "subsets": "num_subsets",
                                           "seed": "seed", "beta": "beta",
                                           "gram_side": "gram_side",
                                           "max_patterns": "max_patterns",
                                           "cw_tolerance": "cw_tolerance"}),
    (critnet.htsr, options.HtsrOptions, {"bootstrap": "bootstrap", "seed": "seed",
                                         "threads": "threads", "eval_floor": "eval_floor"}),
    (critnet.signal, options.SignalOptions, {f: f for f in options.SignalOptions._fields
                                             if f != "activation"}),
    (critnet.edge, options.EdgeOptions, {"activation": "activation", "sigma_b2": "sigma_b2",
                                         "depth": "depth",
                                         "critical_tolerance": "critical_tolerance"}),
    (critnet.rg.analyse_layer, options.CouplingOptions, {"beta": "beta", "field": "field",
                                                         "side": "gram_side",
                                                         "n": "n_convention"}),
    (critnet.rg.analyse_layer, options.ClassifyOptions,
     {f: f for f in options.ClassifyOptions._fields}),
    (critnet.rg.meanfield, options.MeanFieldStudyOptions,
     {f: f for f in options.MeanFieldStudyOptions._fields if f not in ("coupling", "size",
                                                                        "layers")}),
    (critnet.rg.gaussian, options.GaussianStudyOptions,
     {f: f for f in options.GaussianStudyOptions._fields}),
    (critnet.rg.flow, options.FlowStudyOptions,
     {f: f for f in options.FlowStudyOptions._fields if f != "lambdas"}),
    (critnet.data.load, options.DataSpec, {f: f for f in options.DataSpec._fields}),
]


@pytest.mark.parametrize("function, cls, names", _DEFAULTS,
                         ids=lambda x: getattr(x, "__name__", ""))
def test_function_defaults_are_the_option_classes(function, cls, names):
    parameters = inspect.signature(function).parameters
    for parameter, field in names.items():
        assert parameters[parameter].default == cls.defaults[field], (parameter, field)


def test_the_extension_takes_option_classes_not_walls_of_values():
    """Each call of critnet._critnet takes at most six parameters (its data and option
    classes): the signatures of _critnet.pyi, which mypy checks the package against."""
    stub = pathlib.Path(critnet.__file__).with_name("_critnet.pyi")
    for node in ast.walk(ast.parse(stub.read_text())):
        if isinstance(node, ast.FunctionDef):
            positional = [a.arg for a in node.args.args if a.arg != "self"]
            assert len(positional) <= 6, f"{node.name} takes {positional}"
