"""Fit a cubic polynomial to sin(x) on [-pi, pi] by gradient descent.

Shows: four coefficients held in an nn.Module as one nn.Parameter, a mean squared error,
loss.backward() and an optimizer (Adam) stepping the coefficients.

Result: after the default 500 steps the mean squared error is within 1% of the best any
cubic can do on these points (about 0.00457), which the script computes independently with
NumPy's least squares and prints next to it.

    python examples/polynomial_fit.py [--steps 500] [--points 200] [--lr 0.05]
"""
import argparse
import math

import numpy as np

import retrograd as torch

nn = torch.nn


class Cubic(nn.Module):
    """c0 + c1 u + c2 u^2 + c3 u^3 of u = x / pi, which keeps the powers of comparable size."""

    def __init__(self):
        super().__init__()
        self.coefficients = nn.Parameter(torch.zeros(4))

    def forward(self, x):
        u = x / math.pi
        powers = torch.stack([torch.ones_like(u), u, u ** 2, u ** 3], dim=1)
        return powers @ self.coefficients


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()

    x = torch.linspace(-math.pi, math.pi, args.points)
    y = torch.sin(x)
    model = Cubic()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    for step in range(1, args.steps + 1):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if step % max(1, args.steps // 5) == 0:
            print(f"step {step:5d}  mse {loss.item():.6f}")

    c0, c1, c2, c3 = model.coefficients.tolist()
    print(f"sin(x) ~ {c0:+.4f} {c1 / math.pi:+.4f} x {c2 / math.pi ** 2:+.4f} x^2 "
          f"{c3 / math.pi ** 3:+.4f} x^3")
    xs = x.numpy().astype(np.float64)
    best = np.polyfit(xs, np.sin(xs), 3)
    best_mse = float(np.mean((np.polyval(best, xs) - np.sin(xs)) ** 2))
    with torch.no_grad():
        final = loss_fn(model(x), y).item()
    print(f"final mse: {final:.6f}  (least-squares optimum: {best_mse:.6f}, "
          f"ratio {final / best_mse:.4f})")


if __name__ == "__main__":
    main()
