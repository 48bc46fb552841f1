"""torch.nn.modules: Module, containers and layers."""
from ..parameter import Parameter, Buffer
from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .linear import Identity, Linear, Bilinear
from .flatten import Flatten, Unflatten
from .activation import *  # noqa: F401,F403
from .activation import __all__ as _activation_all
from .loss import *  # noqa: F401,F403
from .loss import __all__ as _loss_all
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .pooling import (MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d,
                      AdaptiveAvgPool2d)
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm
from .dropout import Dropout, Dropout1d, Dropout2d, AlphaDropout
from .padding import *  # noqa: F401,F403
from .padding import __all__ as _padding_all
from .distance import CosineSimilarity, PairwiseDistance
from .upsampling import Upsample
from .sparse import Embedding
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell
from .transformer import MultiheadAttention, TransformerEncoderLayer, TransformerEncoder

__all__ = ["Parameter", "Buffer", "Module", "Sequential", "ModuleList", "ModuleDict",
           "ParameterList", "ParameterDict", "Identity", "Linear", "Bilinear", "Flatten",
           "Unflatten", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d",
           "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "BatchNorm1d",
           "BatchNorm2d", "LayerNorm", "GroupNorm", "Dropout", "Embedding", "RNNBase", "RNN",
           "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
           "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder",
           "Dropout1d", "Dropout2d", "AlphaDropout", "CosineSimilarity", "PairwiseDistance",
           "Upsample", *_padding_all, *_activation_all, *_loss_all]
