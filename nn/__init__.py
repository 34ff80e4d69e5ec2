"""chainrule's neural-network library on top of ``autograd``: modules, losses, optimizers, fit.

Importing it loads no plotting or progress-bar library (those are imported where they are used).
"""

from .compiled import compile_step
from .data import (
    DATASETS,
    batches,
    make_circles,
    make_moons,
    make_regression,
    make_spiral,
    make_xor,
    train_test_split,
)
from .layers import ACTIVATIONS, INITS, MLP, Layer, Neuron
from .losses import binary_cross_entropy, cross_entropy, hinge, l2, logsumexp, mse, softmax
from .module import Module
from .optim import SGD, Adam, AdamW, Optimizer
from .playground import Playground, playground
from .schedules import CosineDecay, ExponentialDecay, LinearDecay, StepDecay
from .serialize import load, save
from .torch_bridge import from_torch, to_torch
from .train import History, accuracy, fit, predict
from .worked import WorkedExample, worked_example

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "ACTIVATIONS",
    "INITS",
    "mse",
    "hinge",
    "binary_cross_entropy",
    "cross_entropy",
    "l2",
    "logsumexp",
    "softmax",
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "LinearDecay",
    "StepDecay",
    "ExponentialDecay",
    "CosineDecay",
    "make_moons",
    "make_circles",
    "make_spiral",
    "make_xor",
    "make_regression",
    "DATASETS",
    "batches",
    "train_test_split",
    "fit",
    "compile_step",
    "History",
    "accuracy",
    "predict",
    "playground",
    "worked_example",
    "WorkedExample",
    "Playground",
    "save",
    "load",
    "to_torch",
    "from_torch",
]
