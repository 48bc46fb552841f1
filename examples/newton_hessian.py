"""Newton's method with torch.autograd.functional.hessian.

Shows: the gradient from torch.autograd.grad and the full Hessian from
torch.autograd.functional.hessian (a second derivative of the loss, computed by running
backward through backward), used for the Newton step  x <- x - H(x)^-1 grad f(x)  solved
with torch.linalg.solve, in float64.

Result: Newton converges fast on two problems:
  1. Rosenbrock's banana f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 from the classic start
     (-1.2, 1): plain gradient descent crawls along the valley for thousands of steps;
     Newton reaches the minimum (1, 1) to 1e-10 in under 10 iterations.
  2. L2-regularised logistic regression on a synthetic two-class data set: Newton's
     iterations (what statisticians call IRLS) drive the gradient norm below 1e-10 in
     under 10 iterations, converging quadratically.

    python examples/newton_hessian.py [--iterations 20] [--samples 200] [--features 5]
"""
import argparse

import retrograd as torch

F = torch.nn.functional


def newton(loss_fn, x, iterations, tolerance=1e-10):
    """Minimise loss_fn from x by Newton steps; stop when the gradient's norm is below
    tolerance. Returns the final point and how many steps were taken."""
    for step in range(iterations + 1):
        x = x.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(loss_fn(x), x)
        norm = gradient.norm().item()
        print(f"  iteration {step:2d}  loss {loss_fn(x).item():.3e}  |grad| {norm:.3e}")
        if norm < tolerance or step == iterations:
            return x.detach(), step
        hessian = torch.autograd.functional.hessian(loss_fn, x.detach())
        x = x - torch.linalg.solve(hessian, gradient)


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--features", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    print("Rosenbrock from (-1.2, 1):")
    start = torch.tensor([-1.2, 1.0], dtype=torch.float64)
    point, steps = newton(rosenbrock, start, args.iterations)
    error = (point - 1).abs().max().item()
    print(f"rosenbrock: minimum at ({point[0].item():.12f}, {point[1].item():.12f}) after "
          f"{steps} Newton steps; distance to (1, 1): {error:.1e}")

    print("\nL2-regularised logistic regression:")
    n, d = args.samples, args.features
    inputs = torch.randn(n, d, dtype=torch.float64)
    true_weights = torch.randn(d, dtype=torch.float64)
    flips = torch.rand(n, dtype=torch.float64) < 0.1            # 10% label noise
    labels = ((inputs @ true_weights > 0) ^ flips).to(torch.float64)

    def logistic_loss(w):
        return (F.binary_cross_entropy_with_logits(inputs @ w, labels)
                + 0.01 * (w * w).sum())
    weights, steps = newton(logistic_loss, torch.zeros(d, dtype=torch.float64),
                            args.iterations)
    (gradient,) = torch.autograd.grad(logistic_loss(weights.requires_grad_(True)), weights)
    accuracy = ((inputs @ weights > 0) == labels.bool()).to(torch.float64).mean().item()
    print(f"logistic: |grad| {gradient.norm().item():.1e} after {steps} Newton steps; "
          f"training accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
