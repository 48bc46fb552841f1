"""RNN, LSTM, GRU and their cells: PyTorch's weight names (weight_ih_l0,
weight_hh_l0_reverse, ...), gate order (LSTM i,f,g,o; GRU r,z,n) and uniform(+-1/sqrt(H))
init; composed per time step from matmul, sigmoid and tanh."""
import math
import numbers
import warnings

import retrograd as _torch
from .. import init
from .module import Module
from .linear import _linear, _new_parameters

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _rnn_tanh_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    return _torch.tanh(_linear(x, w_ih, b_ih) + _linear(h, w_hh, b_hh))


def _rnn_relu_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    return _torch.relu(_linear(x, w_ih, b_ih) + _linear(h, w_hh, b_hh))


def _lstm_cell(x, hc, w_ih, w_hh, b_ih, b_hh):
    h, c = hc
    gates = _linear(x, w_ih, b_ih) + _linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    i, f, g, o = _torch.sigmoid(i), _torch.sigmoid(f), _torch.tanh(g), _torch.sigmoid(o)
    c = f * c + i * g
    return o * _torch.tanh(c), c


def _gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    gi = _linear(x, w_ih, b_ih)
    gh = _linear(h, w_hh, b_hh)
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r = _torch.sigmoid(i_r + h_r)
    z = _torch.sigmoid(i_z + h_z)
    n = _torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def _uniform_by_hidden_size(module):
    """PyTorch's default for recurrent layers and cells: every parameter uniform in
    +-1/sqrt(hidden_size)."""
    bound = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for param in module.parameters():
        init.uniform_(param, -bound, bound)


class RNNBase(Module):

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        gate_size = {"LSTM": 4, "GRU": 3}.get(mode, 1) * hidden_size
        num_directions = len(self._directions)
        self._flat_weights_names = []
        self._all_weights = []
        emitted = proj_size or hidden_size  # what each direction of a layer outputs
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else emitted * num_directions
            for suffix in self._directions:
                shapes = {f"weight_ih_l{layer}{suffix}": (gate_size, layer_input),
                          f"weight_hh_l{layer}{suffix}": (gate_size, emitted)}
                if bias:
                    shapes[f"bias_ih_l{layer}{suffix}"] = gate_size
                    shapes[f"bias_hh_l{layer}{suffix}"] = gate_size
                if proj_size > 0:
                    shapes[f"weight_hr_l{layer}{suffix}"] = (proj_size, hidden_size)
                _new_parameters(self, dtype, *((n, shape, True) for n, shape in shapes.items()))
                self._flat_weights_names.extend(shapes)
                self._all_weights.append(list(shapes))
        self.reset_parameters()

    @property
    def _directions(self):
        """The parameter-name suffix of each direction: forward, then reverse if any."""
        return ("", "_reverse") if self.bidirectional else ("",)

    def flatten_parameters(self):
        """A no-op, as PyTorch's is without cuDNN: the weights are already separate tensors."""

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, w) for w in weights] for weights in self._all_weights]

    def reset_parameters(self):
        _uniform_by_hidden_size(self)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"

        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _cell(self):
        return {"LSTM": _lstm_cell, "GRU": _gru_cell, "RNN_TANH": _rnn_tanh_cell,
                "RNN_RELU": _rnn_relu_cell}[self.mode]

    def _run(self, input, hx):
        """input (T, N, F) batched; hx: tensor (L*D, N, H) or pair of them for LSTM."""
        from .. import functional as F
        cell = self._cell()
        lstm = self.mode == "LSTM"
        num_directions = len(self._directions)
        steps = input.size(0)
        layer_input = input
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction, suffix in enumerate(self._directions):
                k = layer * num_directions + direction
                w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
                w_hh = getattr(self, f"weight_hh_l{layer}{suffix}")
                b_ih = getattr(self, f"bias_ih_l{layer}{suffix}") if self.bias else None
                b_hh = getattr(self, f"bias_hh_l{layer}{suffix}") if self.bias else None
                w_hr = getattr(self, f"weight_hr_l{layer}{suffix}") if self.proj_size else None
                state = (hx[0][k], hx[1][k]) if lstm else hx[k]
                order = range(steps - 1, -1, -1) if direction == 1 else range(steps)
                ys = [None] * steps
                for t in order:
                    state = cell(layer_input[t], state, w_ih, w_hh, b_ih, b_hh)
                    if w_hr is not None:  # LSTM with projections: h = W_hr h
                        state = (_linear(state[0], w_hr), state[1])
                    ys[t] = state[0] if lstm else state
                outs.append(_torch.stack(ys, 0))
                if lstm:
                    h_n.append(state[0])
                    c_n.append(state[1])
                else:
                    h_n.append(state)
            layer_input = outs[0] if num_directions == 1 else _torch.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        h_n = _torch.stack(h_n, 0)
        if lstm:
            return layer_input, (h_n, _torch.stack(c_n, 0))
        return layer_input, h_n

    def forward(self, input, hx=None):
        lstm = self.mode == "LSTM"
        num_directions = len(self._directions)
        if input.dim() not in (2, 3):
            raise ValueError(f"{self.mode if not self.mode.startswith('RNN') else 'RNN'}: "
                             f"Expected input to be 2D or 3D, got {input.dim()}D instead")
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if hx is not None:
            want = 3 if batched else 2
            kind = "batched 3-D" if batched else "unbatched 2-D"
            if lstm and (hx[0].dim() != want or hx[1].dim() != want):
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but "
                                   f"got ({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            if not lstm and hx.dim() != want:
                raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                                   f"{hx.dim()}-D tensor")
        if not batched:
            input = input.unsqueeze(batch_dim)
            if hx is not None:
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1)) if lstm else hx.unsqueeze(1)
        if self.batch_first:
            input = input.transpose(0, 1)
        if input.size(-1) != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")
        expected = (self.num_layers * num_directions, input.size(1),
                    self.proj_size or self.hidden_size)
        expected_c = expected[:2] + (self.hidden_size,)
        if hx is None:
            hx = _torch.zeros(expected, dtype=input.dtype)
            if lstm:
                hx = (hx, _torch.zeros(expected_c, dtype=input.dtype))
        elif lstm:
            for i, (h, want) in enumerate(zip(hx, (expected, expected_c))):
                if tuple(h.shape) != want:
                    raise RuntimeError(f"Expected hidden[{i}] size {want}, got "
                                       f"{list(h.shape)}")
        elif tuple(hx.shape) != expected:
            raise RuntimeError(f"Expected hidden size {expected}, got {list(hx.shape)}")
        output, h = self._run(input, hx)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(batch_dim)
            h = (h[0].squeeze(1), h[1].squeeze(1)) if lstm else h.squeeze(1)
        return output, h


class RNN(RNNBase):
    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def __setattr__(self, name, value):
        if name == "nonlinearity" and "_parameters" not in self.__dict__:
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)



class LSTM(RNNBase):
    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = num_chunks * hidden_size
        _new_parameters(self, dtype, ("weight_ih", (gates, input_size), True),
                        ("weight_hh", (gates, hidden_size), True), ("bias_ih", gates, bias),
                        ("bias_hh", gates, bias))
        self.reset_parameters()

    def extra_repr(self):
        parts = [str(self.input_size), str(self.hidden_size)]
        if self.bias is not True:
            parts.append(f"bias={self.bias}")
        if getattr(self, "nonlinearity", "tanh") != "tanh":  # RNNCell's only
            parts.append(f"nonlinearity={self.nonlinearity}")
        return ", ".join(parts)

    def reset_parameters(self):
        _uniform_by_hidden_size(self)

    def _call_cell(self, cell, input, hx):
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.dim()}D instead")
        batched = input.dim() == 2
        lstm = cell is _lstm_cell
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = _torch.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
            hx = (zeros, zeros) if lstm else zeros
        elif not batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0)) if lstm else hx.unsqueeze(0)
        out = cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if not batched:
            out = (out[0].squeeze(0), out[1].squeeze(0)) if lstm else out.squeeze(0)
        return out


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity == "tanh":
            cell = _rnn_tanh_cell
        elif self.nonlinearity == "relu":
            cell = _rnn_relu_cell
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._call_cell(cell, input, hx)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, dtype=dtype)

    def forward(self, input, hx=None):
        return self._call_cell(_lstm_cell, input, hx)


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, dtype=dtype)

    def forward(self, input, hx=None):
        return self._call_cell(_gru_cell, input, hx)
