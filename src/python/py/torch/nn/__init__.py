"""torch.nn over the gradlens engine."""
from .._C import unsupported as _unsupported
from . import functional, init, utils
from .modules import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    BCELoss,
    Conv1d,
    Conv2d,
    Dropout2d,
    MaxPool1d,
    MaxPool2d,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Dropout,
    ELU,
    Flatten,
    GELU,
    Hardtanh,
    HuberLoss,
    Identity,
    L1Loss,
    LeakyReLU,
    LogSigmoid,
    Linear,
    LogSoftmax,
    Module,
    ModuleDict,
    ModuleList,
    MSELoss,
    NLLLoss,
    Parameter,
    ParameterDict,
    ParameterList,
    ReLU,
    ReLU6,
    Sequential,
    SiLU,
    Sigmoid,
    Softmax,
    SmoothL1Loss,
    Softplus,
    Tanh,
)
from .modules import (  # normalization, embedding and the small layers
    BatchNorm1d,
    BatchNorm2d,
    CosineSimilarity,
    Embedding,
    Hardswish,
    KLDivLoss,
    LayerNorm,
    Mish,
    PReLU,
    Softmin,
    Unflatten,
)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise _unsupported(f"torch.nn.{name}")
